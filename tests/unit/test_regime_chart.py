import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from omega_tasks.core.types import MINUTE_MS, Bar, Finding
from omega_tasks.messages import Event
from omega_tasks.report.layers import LAYERS
from omega_tasks.report.panels import Panels


def change(minute, timeframe, before, after):
    return Event.of("sim", "BTC-USDT", "trend", Finding(
        "regime_change", minute, minute * MINUTE_MS,
        {"timeframe": timeframe, "from": before, "to": after}, key=f"{timeframe}:{minute}"))


def test_the_5m_regime_is_shaded_and_every_timeframe_gets_a_ribbon():
    bars = [Bar(i * MINUTE_MS, 100.0, 101.0, 99.0, 100.0, 1.0, 0.5) for i in range(120)]
    events = [change(30, "1m", "neutral", "trending"), change(50, "1m", "trending", "neutral"),
              change(90, "5m", "trending", "volatile"), change(100, "1m", "neutral", "volatile")]
    fig, (ax, strip) = plt.subplots(2, 1)
    try:
        LAYERS["trend"](Panels(ax, strip, bars), events)
        spans = [(p.get_label(), p.get_facecolor()) for p in ax.patches]
        labels = [label for label, _ in spans if label and not label.startswith("_")]
        texts = [t.get_text() for t in ax.texts]
    finally:
        plt.close(fig)
    # 5m shaded behind price (trending from the start, then volatile), then ribbons: 1m
    # neutral from the start, trending, neutral, volatile; 5m trending, volatile
    assert len(spans) == 8
    assert labels == ["5m regime: trending", "5m regime: volatile", "regime ribbon: neutral",
                      "regime ribbon: trending", "regime ribbon: volatile"]
    assert texts == ["1m", "5m"]


def test_no_regime_change_draws_nothing():
    bars = [Bar(0, 100.0, 101.0, 99.0, 100.0, 1.0, 0.5)]
    fig, (ax, strip) = plt.subplots(2, 1)
    try:
        LAYERS["trend"](Panels(ax, strip, bars), [])
        assert not ax.patches and not ax.texts
    finally:
        plt.close(fig)
