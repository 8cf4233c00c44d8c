"""The prediction strip: the trend model's predicted class along the top of the volume panel.

Each ``prediction_change`` starts a span in its class's colour that lasts until the next
change, or until a ``prediction_stopped`` (the model expired or went away), which leaves the
strip blank: a blank stretch means no model was allowed to predict there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import matplotlib.dates as mdates

from omega_tasks.messages import Event
from omega_tasks.report.panels import Panels

COLOURS = {"up": "#1e88e5", "down": "#fb8c00", "neither": "#bdbdbd"}
TOP = (0.86, 1.0)  # the strip's band, a fraction of the volume panel's height


def _when(ms: int) -> float:
    return float(mdates.date2num(datetime.fromtimestamp(ms / 1000, UTC)))


def draw(panels: Panels, events: Sequence[Event]) -> None:
    """Draw one span per run of the same predicted class."""
    if not panels.bars:
        return
    end_ms = panels.bars[-1].close_ms
    marks = sorted((e for e in events if e.kind in ("prediction_change", "prediction_stopped")),
                   key=lambda e: e.time_ms)
    labelled: set[str] = set()
    for event, after in zip(marks, [*marks[1:], None], strict=True):
        if event.kind != "prediction_change":
            continue
        cls = str(event.evidence.get("to"))
        stop = after.time_ms if after is not None else end_ms
        label = None if cls in labelled else f"model predicts {cls}"
        labelled.add(cls)
        panels.strip.axvspan(_when(event.time_ms), _when(stop), ymin=TOP[0], ymax=TOP[1],
                             color=COLOURS.get(cls, "#757575"), linewidth=0, label=label)
    if labelled:
        panels.strip.text(0.002, sum(TOP) / 2, "model", transform=panels.strip.transAxes,
                          fontsize=6, va="center")
        panels.strip.legend(loc="lower left", fontsize=7, ncol=5)
