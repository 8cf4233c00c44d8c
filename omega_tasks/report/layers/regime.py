"""Regime shading: the 5m regime that steers the threshold behind price, every timeframe's
regime as a ribbon along the bottom of the price panel."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import matplotlib.dates as mdates

from omega_tasks.core.bars import TIMEFRAMES
from omega_tasks.core.trends import THRESHOLD_TIMEFRAME
from omega_tasks.messages import Event
from omega_tasks.report.panels import Panels

COLOURS = {"trending": "#66bb6a", "ranging": "#90a4ae", "volatile": "#ab47bc",
           "neutral": "#e0e0e0"}
SHADED = ("trending", "ranging", "volatile")  # behind price; neutral is the background
RIBBON = 0.022  # height of one timeframe's ribbon, a fraction of the price panel


def _when(ms: int) -> float:
    return float(mdates.date2num(datetime.fromtimestamp(ms / 1000, UTC)))


def _spans(changes: Sequence[Event], start_ms: int, end_ms: int) -> list[tuple[str, int, int]]:
    """Return (regime, start, stop) spans: the first change's ``from`` since ``start_ms``,
    then each change's ``to`` until the next one."""
    if not changes:
        return []
    first = changes[0]
    stops = [e.time_ms for e in changes[1:]] + [end_ms]
    return [(str(first.evidence.get("from")), start_ms, first.time_ms)] + [
        (str(e.evidence.get("to")), e.time_ms, stop)
        for e, stop in zip(changes, stops, strict=True)]


def draw(panels: Panels, events: Sequence[Event]) -> None:
    """Shade the 5m regime behind price; draw a ribbon per timeframe that has a regime."""
    if not panels.bars:
        return
    start_ms, end_ms = panels.bars[0].open_ms, panels.bars[-1].close_ms
    by_frame: dict[str, list[Event]] = {}
    for event in sorted(events, key=lambda e: e.time_ms):
        if event.kind == "regime_change":
            by_frame.setdefault(str(event.evidence.get("timeframe")), []).append(event)
    ax = panels.price
    labelled: set[str] = set()
    for regime, start, stop in _spans(by_frame.get(THRESHOLD_TIMEFRAME, []), start_ms, end_ms):
        if regime in SHADED:
            label = None if regime in labelled else f"{THRESHOLD_TIMEFRAME} regime: {regime}"
            labelled.add(regime)
            ax.axvspan(_when(start), _when(stop), color=COLOURS[regime], alpha=0.10,
                       linewidth=0, label=label, zorder=0)
    rows = [tf for tf in TIMEFRAMES if tf in by_frame]
    for row, tf in enumerate(rows):
        for regime, start, stop in _spans(by_frame[tf], start_ms, end_ms):
            if regime not in COLOURS:
                continue
            label = None if f"ribbon {regime}" in labelled else f"regime ribbon: {regime}"
            labelled.add(f"ribbon {regime}")
            ax.axvspan(_when(start), _when(stop), ymin=row * RIBBON, ymax=(row + 1) * RIBBON,
                       color=COLOURS[regime], alpha=0.8, linewidth=0, label=label, zorder=1)
        ax.text(0.002, (row + 0.5) * RIBBON, tf, transform=ax.transAxes, fontsize=6,
                va="center", zorder=2)
