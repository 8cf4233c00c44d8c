"""The volatility strip: one span per run of a regime, blank before the first."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from omega_tasks.core.types import Bar, Finding
from omega_tasks.messages import Event
from omega_tasks.report.layers import LAYERS
from omega_tasks.report.layers.volatility import COLOURS, draw
from omega_tasks.report.panels import Panels

T0 = 1_736_208_000_000


def change(minute, before, after):
    return Event.of("sim", "BTC-USDT", "volatility",
                    Finding("regime_change", minute, T0 + minute * 60_000,
                            {"from": before, "to": after}, key=str(minute)))


def test_each_run_of_a_regime_is_one_span_until_the_next_change_or_the_last_close():
    bars = [Bar(T0 + i * 60_000, 1, 1, 1, 1, 1, 0.5) for i in range(30)]
    fig, (price, strip) = plt.subplots(2, 1)
    draw(Panels(price, strip, bars), [change(4, "unknown", "calm"), change(10, "calm", "extreme"),
                                      change(16, "extreme", "active")])
    spans = sorted(strip.patches, key=lambda p: p.get_x())
    assert [matplotlib.colors.to_hex(p.get_facecolor()) for p in spans] == [
        COLOURS["calm"], COLOURS["extreme"], COLOURS["active"]]
    assert [round(p.get_width() * 24 * 60) for p in spans] == [6, 6, 14]
    assert LAYERS["volatility"] is draw
    plt.close(fig)
