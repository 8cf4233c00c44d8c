"""Regime shading: the 5m regime that steers the threshold, as coloured spans behind price."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import matplotlib.dates as mdates

from omega_tasks.core.trends import THRESHOLD_TIMEFRAME
from omega_tasks.messages import Event
from omega_tasks.report.layers import Panels

COLOURS = {"trending": "#66bb6a", "ranging": "#90a4ae", "volatile": "#ab47bc"}


def _when(ms: int) -> float:
    return float(mdates.date2num(datetime.fromtimestamp(ms / 1000, UTC)))


def draw(panels: Panels, events: Sequence[Event]) -> None:
    """Shade each span of a 5m regime from the change that started it to the next one."""
    changes = sorted(
        (
            e
            for e in events
            if e.kind == "regime_change" and e.evidence.get("timeframe") == THRESHOLD_TIMEFRAME
        ),
        key=lambda e: e.time_ms,
    )
    if not changes or not panels.bars:
        return
    end_ms = panels.bars[-1].close_ms
    labelled: set[str] = set()
    for change, following in zip(changes, [*changes[1:], None], strict=True):
        regime = str(change.evidence.get("to"))
        colour = COLOURS.get(regime)
        if colour is None:
            continue
        stop = following.time_ms if following is not None else end_ms
        label = None if regime in labelled else f"{THRESHOLD_TIMEFRAME} regime: {regime}"
        labelled.add(regime)
        panels.price.axvspan(
            _when(change.time_ms),
            _when(stop),
            color=colour,
            alpha=0.10,
            linewidth=0,
            label=label,
            zorder=0,
        )
