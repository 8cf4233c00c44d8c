"""Order flow on the chart: absorption and pulled liquidity at their level, cascades and CVD
divergences at their trigger, on the price panel; the CVD and the queue imbalance below."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from omega_tasks.core.types import TopOfBook
from omega_tasks.messages import Event
from omega_tasks.report.panels import Panels

STYLES = {
    "absorption": ("D", "#6d4c41", "absorption"),
    "liquidity_pulled": ("x", "#1565c0", "liquidity pulled"),
    "cvd_divergence": ("*", "#f9a825", "CVD divergence"),
    "liquidation_cascade": ("s", "#000000", "liquidation cascade"),
}
MINUTE_MS = 60_000


def _x(ms: Sequence[int]) -> np.ndarray:
    return np.array([datetime.fromtimestamp(m / 1000, UTC) for m in ms])


def draw(panels: Panels, events: Sequence[Event]) -> None:
    """Mark each order-flow event at its level (or the price where it fired)."""
    for kind, (marker, colour, label) in STYLES.items():
        found = [e for e in events if e.kind == kind]
        if found:
            panels.price.scatter(_x([e.time_ms for e in found]),
                                 [panels.price_at(e) for e in found], marker=marker,
                                 color=colour, s=38, zorder=8, linewidths=1.0,
                                 label=f"orderflow/{label} ({len(found)})")


def flow_panel(panels: Panels, quotes: Sequence[TopOfBook]) -> None:
    """CVD of the bars drawn (buy − sell volume, summed), and each minute's mean queue
    imbalance as a strip of colour under it (blue: bids heavier; red: asks)."""
    ax, bars = panels.flow, panels.bars
    if ax is None or not bars:
        return
    x = _x([b.open_ms + 30_000 for b in bars])
    cvd = np.cumsum([b.buy_volume - b.sell_volume for b in bars])
    ax.plot(x, cvd, color="#37474f", linewidth=1.0, label="CVD (buy − sell volume)")
    ax.set_ylabel("CVD")
    imbalance = minute_imbalance(quotes, [b.open_ms for b in bars])
    if np.isfinite(imbalance).any():
        low, high = float(cvd.min()), float(cvd.max())
        height = max(high - low, 1e-9) * 0.15
        colours = [(0.5, 0.5, 0.5, 0.0) if not np.isfinite(v) else
                   ((0.13, 0.4, 0.75, min(1.0, abs(v))) if v > 0 else
                    (0.8, 0.16, 0.16, min(1.0, abs(v)))) for v in imbalance]
        ax.bar(x, height, 0.9 / (24 * 60), low - 1.3 * height, color=colours, linewidth=0,
               label="queue imbalance per minute (blue: bids heavier)")
    ax.legend(loc="upper left", fontsize=7)
    ax.grid(alpha=0.2)


def minute_imbalance(quotes: Sequence[TopOfBook], opens: Sequence[int]) -> np.ndarray:
    """The mean queue imbalance of the quotes in each minute (NaN where there were none)."""
    index = {open_ms: i for i, open_ms in enumerate(opens)}
    total = np.zeros(len(opens))
    count = np.zeros(len(opens))
    for q in quotes:
        i = index.get(q.time_ms - q.time_ms % MINUTE_MS)
        if i is not None:
            total[i] += q.imbalance
            count[i] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)
