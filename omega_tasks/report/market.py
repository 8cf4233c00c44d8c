"""The demo's market picture: trend and regime per timeframe, and the harmony of signals."""

from __future__ import annotations

from typing import Any

from omega_tasks.core.bars import TIMEFRAMES
from omega_tasks.core.harmony import SIGNALS
from omega_tasks.names import HARMONY, TREND, SymbolKeys
from omega_tasks.store import Store

ARROWS = {1: "up", -1: "down", 0: "flat"}


def market_lines(store: Store, k: SymbolKeys) -> list[str]:
    """Return the trend table and the harmony line, for what the snapshots hold."""
    lines: list[str] = []
    trend = store.snapshot(k, TREND)
    if trend is not None:
        view = trend[1]
        alignment = view.get("alignment")
        lines += ["", f"Trend (alignment {_num(alignment, '+.2f')}; the 5m regime "
                      "steers the threshold)",
                  "  tf    direction  ADX14  CHOP14  vol rank  regime"]
        for tf in TIMEFRAMES:
            frame = view["timeframes"][tf]
            direction = ARROWS[frame["direction"]] if frame["ready"] else "warming"
            lines.append(f"  {tf:<5} {direction:<9}  {_num(frame['adx14'], '5.1f')}  "
                         f"{_num(frame['chop14'], '6.1f')}  {_num(frame['vol_rank'], '8.2f')}"
                         f"  {frame['regime']}")
    harmony = store.snapshot(k, HARMONY)
    if harmony is not None:
        view = harmony[1]
        signals = view["signals"]
        votes = "  ".join(f"{name} {_vote(signals[name]['vote'])} ({signals[name]['why']})"
                          for name in SIGNALS)
        lines += ["", f"Harmony {view['score']:.2f} {view['direction']}: {view['agree']} of "
                      f"{view['present']} present signals agree", f"  {votes}"]
    return lines


def _vote(vote: int | None) -> str:
    return "absent" if vote is None else {1: "+1", -1: "-1", 0: "0"}[vote]


def _num(value: Any, spec: str) -> str:
    if value is None:
        return format("–", f">{spec.split('.')[0].lstrip('+') or '1'}")
    return format(value, spec)
