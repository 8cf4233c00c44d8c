"""Fibonacci on the chart: each timeframe's levels while they stand, zones, golden legs, touches.

Levels are drawn from the ``leg`` event that set them until the next leg of their timeframe;
1m levels change every few minutes and are left out (their zones are still drawn). A zone
is drawn from its forming until a member's leg moves or a close breaks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from omega_tasks.core.fibonacci import GOLDEN
from omega_tasks.messages import Event
from omega_tasks.report.panels import Panels

FRAME_COLOURS = {"5m": "#8e24aa", "15m": "#1e88e5", "1h": "#fb8c00", "4h": "#6d4c41"}
ZONE_COLOUR = "#ff6f00"


def _x(*ms: int) -> np.ndarray:
    """Chart x positions of epoch milliseconds."""
    return np.array([datetime.fromtimestamp(m / 1000, UTC) for m in ms])


def draw(panels: Panels, events: Sequence[Event]) -> None:
    """Draw levels, zones, golden legs, touches and reactions."""
    end_ms = panels.bars[-1].close_ms
    legs = [e for e in events if e.kind == "leg"]
    _levels(panels, legs, end_ms)
    _zones(panels, events, legs, end_ms)
    _golden(panels, [e for e in events if e.kind == "golden_leg"])
    _points(panels, events)


def _levels(panels: Panels, legs: Sequence[Event], end_ms: int) -> None:
    for timeframe, colour in FRAME_COLOURS.items():
        own = [e for e in legs if e.evidence["timeframe"] == timeframe]
        for n, event in enumerate(own):
            until = own[n + 1].time_ms if n + 1 < len(own) else end_ms
            x = _x(event.time_ms, until)
            for ratio, price in event.evidence["levels"].items():
                golden = float(ratio) in GOLDEN
                panels.price.plot(x, [price, price], color=colour, alpha=0.8 if golden else 0.45,
                                  linewidth=1.1 if golden else 0.7,
                                  linestyle="-" if golden else "--",
                                  label=f"fib {timeframe} levels (golden solid)"
                                  if n == 0 and ratio == "0.618" else None)
                panels.price.annotate(ratio, (x[1], price), fontsize=5, color=colour,
                                      xytext=(-14, 1), textcoords="offset points")


def _zones(panels: Panels, events: Sequence[Event], legs: Sequence[Event], end_ms: int) -> None:
    broken: dict[tuple[float, float], list[int]] = {}
    for e in events:
        if e.kind == "zone_broken":
            broken.setdefault((e.evidence["lo"], e.evidence["hi"]), []).append(e.time_ms)
    formed = [e for e in events if e.kind == "zone_formed"]
    for n, zone in enumerate(formed):
        lo, hi = zone.evidence["lo"], zone.evidence["hi"]
        frames = {member[0] for member in zone.evidence["members"]}
        ends = [e.time_ms for e in legs
                if e.time_ms > zone.time_ms and e.evidence["timeframe"] in frames]
        ends += [t for t in broken.get((lo, hi), []) if t > zone.time_ms]
        until = min(ends, default=end_ms)
        alpha = min(0.1 + 0.06 * zone.evidence["score"], 0.45)
        panels.price.fill_between(_x(zone.time_ms, until), lo, hi + 1e-9,
                                  color=ZONE_COLOUR, alpha=alpha, linewidth=0,
                                  label=f"fib confluence zones ({len(formed)})" if n == 0 else None)


def _golden(panels: Panels, golden: Sequence[Event]) -> None:
    for n, event in enumerate(golden):
        ev = event.evidence
        points = [ev["a"], ev["b"], ev["c"]]
        panels.price.plot(_x(*(ms for _, ms in points)), [p for p, _ in points],
                          color="#c62828", linewidth=1.0, alpha=0.8,
                          label=f"golden legs ({len(golden)})" if n == 0 else None)
        label = f"{ev['timeframe']} {ev['ratio']:.3f}"
        panels.price.annotate(label, (_x(ev["c"][1])[0], ev["c"][0]), fontsize=6,
                              color="#c62828", xytext=(2, 2), textcoords="offset points")


def _points(panels: Panels, events: Sequence[Event]) -> None:
    for kind, marker, colour in (("touch", ".", "#546e7a"), ("reaction", "*", "#2e7d32")):
        found = [e for e in events if e.kind == kind]
        if found:
            panels.price.scatter(_x(*(e.time_ms for e in found)),
                                 [e.evidence["level"] for e in found], marker=marker, s=18,
                                 color=colour, zorder=5, label=f"fib/{kind} ({len(found)})")
