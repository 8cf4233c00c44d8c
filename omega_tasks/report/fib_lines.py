"""The demo's Fibonacci picture: each timeframe's leg and levels, the zones, the golden legs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from omega_tasks.core.bars import TIMEFRAMES
from omega_tasks.core.fibonacci import GOLDEN, RATIOS
from omega_tasks.messages import Event
from omega_tasks.names import FIB

ZONES_SHOWN = 5


def fib_lines(snapshot: tuple[int, dict[str, Any]] | None, events: Sequence[Event]) -> list[str]:
    """Return the levels table, the strongest zones and the golden legs seen."""
    if snapshot is None:
        return []
    view = snapshot[1]
    ratios = [f"{r:g}" + ("*" if r in GOLDEN else "") for r in RATIOS]
    lines = ["", "Fibonacci levels of each timeframe's last confirmed leg (* golden)",
             f"  {'tf':<5} {'leg':<24}" + "".join(f"{r:>10}" for r in ratios)]
    for tf in TIMEFRAMES:
        leg = view["timeframes"].get(tf)
        if leg is None:
            lines.append(f"  {tf:<5} no confirmed leg yet")
            continue
        arrow = "up" if leg["direction"] > 0 else "down"
        move = f"{leg['start_price']:,.1f} → {leg['end_price']:,.1f} {arrow}"
        lines.append(f"  {tf:<5} {move:<24}" + "".join(
            f"{leg['levels'].get(f'{r:g}', float('nan')):>10,.1f}" for r in RATIOS))
    zones = view["confluence"]
    lines += ["", f"Confluence zones: {len(zones)} now"
                  + (f", the {ZONES_SHOWN} strongest" if len(zones) > ZONES_SHOWN else "")]
    for zone in zones[:ZONES_SHOWN]:
        members = ", ".join(f"{tf} {ratio:g}" for tf, ratio, _ in zone["members"])
        lines.append(f"  {zone['lo']:,.1f} – {zone['hi']:,.1f}  score {zone['score']:g}  "
                     f"({members})")
    golden = [e for e in events if e.detector == FIB and e.kind == "golden_leg"]
    lines += ["", f"Golden legs: {len(golden)}"]
    for e in golden[-ZONES_SHOWN:]:
        ev = e.evidence
        when = datetime.fromtimestamp(e.time_ms / 1000, UTC).strftime("%H:%M")
        lines.append(f"  {when}  {ev['timeframe']:<4} |C−B|/|B−A| = {ev['ratio']:.3f} "
                     f"(≈ {ev['golden']:g}), C at {ev['price']:,.1f}")
    return lines
