"""Traps on the chart: each level drawn from its swing to the trigger, a marker at the trigger.

High-frequency mode is shaded from the event that turned it on to the one that turned it off.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from omega_tasks.messages import Event
from omega_tasks.report.panels import Panels

STYLES = {
    "liquidity_grab_high": ("v", "#c62828", "grab of a high"),
    "liquidity_grab_low": ("^", "#2e7d32", "grab of a low"),
    "bull_trap": ("X", "#ad1457", "bull trap"),
    "bear_trap": ("P", "#00695c", "bear trap"),
}


def _x(*ms: int) -> np.ndarray:
    """Chart x positions of epoch milliseconds."""
    return np.array([datetime.fromtimestamp(m / 1000, UTC) for m in ms])


def draw(panels: Panels, events: Sequence[Event]) -> None:
    """Draw trap events: the level swept, and a marker at the trade or close that fired."""
    for kind, (marker, colour, label) in STYLES.items():
        found = [e for e in events if e.kind == kind]
        if not found:
            continue
        for e in found:
            ev = e.evidence
            start, end = _x(ev["swing"]["pivot_ms"], e.time_ms)
            panels.price.hlines(ev["level"], start, end, color=colour, linewidth=0.9, alpha=0.7)
            panels.price.vlines(end, min(ev["level"], ev["extreme"]),
                                max(ev["level"], ev["extreme"]), color=colour, linewidth=0.7,
                                alpha=0.6)
        panels.price.scatter(_x(*(e.time_ms for e in found)),
                             [e.evidence["trigger_price"] for e in found], marker=marker,
                             color=colour, s=55, zorder=7, edgecolors="black", linewidths=0.4,
                             label=f"traps/{label} ({len(found)})")


def draw_mode(panels: Panels, events: Sequence[Event]) -> None:
    """Shade the time high-frequency trap mode was on."""
    start: int | None = None
    spans = []
    for e in sorted(events, key=lambda e: e.trade_id):
        if e.kind == "hf_mode_on":
            start = e.time_ms
        elif e.kind == "hf_mode_off" and start is not None:
            spans.append((start, e.time_ms))
            start = None
    if start is not None and panels.bars:
        spans.append((start, panels.bars[-1].close_ms))
    for n, (a, b) in enumerate(spans):
        left, right = _x(a, b)
        panels.price.axvspan(left, right, color="#8e24aa", alpha=0.12,
                             label=f"highfreq/trap mode on ({len(spans)})" if n == 0 else None)
