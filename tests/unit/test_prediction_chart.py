"""The prediction strip: one span per run of a predicted class, blank once predictions stop."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from omega_tasks.core.types import Bar, Finding
from omega_tasks.messages import Event
from omega_tasks.report.layers import LAYERS
from omega_tasks.report.layers.prediction import COLOURS, draw
from omega_tasks.report.panels import Panels

T0 = 1_736_208_000_000


def event(kind, minute, **evidence):
    return Event.of("sim", "BTC-USDT", "prediction",
                    Finding(kind, minute, T0 + minute * 60_000, evidence, key=str(minute)))


def test_each_run_of_a_class_is_one_span_and_a_stop_leaves_the_strip_blank():
    bars = [Bar(T0 + i * 60_000, 1, 1, 1, 1, 1, 0.5) for i in range(30)]
    fig, (price, strip) = plt.subplots(2, 1)
    events = [event("prediction_change", 2, to="up"), event("prediction_change", 5, to="down"),
              event("prediction_stopped", 9, reason="model expired"),
              event("prediction_change", 20, to="neither")]
    draw(Panels(price, strip, bars), events)
    spans = sorted(strip.patches, key=lambda p: p.get_x())
    assert [matplotlib.colors.to_hex(p.get_facecolor()) for p in spans] == [
        COLOURS["up"], COLOURS["down"], COLOURS["neither"]]
    widths_min = [round(p.get_width() * 24 * 60) for p in spans]
    assert widths_min == [3, 4, 10]  # until the next change, the stop, the last bar's close
    assert LAYERS["prediction"] is draw
    plt.close(fig)
