"""The volatility strip: the forecast regime (calm, active, extreme) under the model's strip.

Each ``regime_change`` starts a span in its level's colour that lasts until the next change
or the last bar's close; before the first change the regime is unknown and the strip blank.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import matplotlib.dates as mdates

from omega_tasks.messages import Event
from omega_tasks.report.panels import Panels

COLOURS = {"calm": "#c8e6c9", "active": "#ffcc80", "extreme": "#e53935"}
BAND = (0.72, 0.86)  # a fraction of the volume panel's height, just under the model's strip


def _when(ms: int) -> float:
    return float(mdates.date2num(datetime.fromtimestamp(ms / 1000, UTC)))


def draw(panels: Panels, events: Sequence[Event]) -> None:
    """Draw one span per run of the same volatility regime."""
    if not panels.bars:
        return
    end_ms = panels.bars[-1].close_ms
    changes = sorted((e for e in events if e.kind == "regime_change"), key=lambda e: e.time_ms)
    labelled: set[str] = set()
    for event, after in zip(changes, [*changes[1:], None], strict=True):
        level = str(event.evidence.get("to"))
        if level not in COLOURS:
            continue
        stop = after.time_ms if after is not None else end_ms
        label = None if level in labelled else f"volatility {level}"
        labelled.add(level)
        panels.strip.axvspan(_when(event.time_ms), _when(stop), ymin=BAND[0], ymax=BAND[1],
                             color=COLOURS[level], linewidth=0, label=label)
    if labelled:
        panels.strip.text(0.002, sum(BAND) / 2, "volatility", transform=panels.strip.transAxes,
                          fontsize=6, va="center")
        panels.strip.legend(loc="lower left", fontsize=7, ncol=5)
