"""Per-detector chart drawing: detectors whose events deserve more than a marker."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from omega_tasks.messages import Event
from omega_tasks.names import FIB, HIGHFREQ, ORDERFLOW, PREDICTION, TRAPS, TREND, VOLATILITY
from omega_tasks.report.layers import fib, orderflow, prediction, regime, traps, volatility
from omega_tasks.report.panels import Panels

Layer = Callable[[Panels, Sequence[Event]], None]
LAYERS: dict[str, Layer] = {
    FIB: fib.draw,
    TRAPS: traps.draw,
    HIGHFREQ: traps.draw_mode,
    ORDERFLOW: orderflow.draw,
    TREND: regime.draw,
    PREDICTION: prediction.draw,
    VOLATILITY: volatility.draw,
}
