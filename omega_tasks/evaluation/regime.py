"""``omega evaluate regime``: how much of the time each regime holds, and what it is worth.

For every timeframe, the regime in force at each bar's close is paired with the absolute log
return of the next bar of that timeframe. A regime rule that means something sorts the
market: volatile bars should be followed by larger moves, ranging ones by smaller moves.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections import defaultdict

from omega_tasks.core.regime import REGIMES
from omega_tasks.core.trends import TrendAnalysis
from omega_tasks.evaluation.data import MarketData, closed_bars
from omega_tasks.evaluation.stats import table

NAME = "regime"
HELP = "time share and next-bar absolute return per regime and timeframe"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: the regime rule's defaults are what is measured."""


def run(data: MarketData, args: argparse.Namespace) -> str:
    bars = closed_bars(data.trades)
    analysis = TrendAnalysis()
    # per timeframe: (regime in force at a bar's close, that bar's close), in order
    marks: dict[str, list[tuple[str, float]]] = defaultdict(list)
    changes: dict[str, int] = defaultdict(int)
    for bar in bars:
        for finding in analysis.on_bar(bar) or ():
            changes[finding.evidence["timeframe"]] += 1
        for frame in analysis.frames:
            trend = frame.trend
            seen = marks[frame.name]
            if trend.bars > len(seen):
                seen.append((trend.regime.regime, trend.regime.vol.prev_close))
    days = len(bars) / 1440
    rows = []
    for frame in analysis.frames:
        seen = marks[frame.name]
        moves: dict[str, list[float]] = defaultdict(list)
        for (regime, close), (_, after) in itertools.pairwise(seen):
            if close > 0 and after > 0:
                moves[regime].append(abs(math.log(after / close)))
        total = sum(len(m) for m in moves.values())
        everything = [x for m in moves.values() for x in m]
        overall = 1e4 * sum(everything) / len(everything) if everything else math.nan
        for regime in REGIMES:
            got = moves.get(regime, [])
            if not got:
                continue
            mean = 1e4 * sum(got) / len(got)
            rows.append([frame.name, regime, f"{100 * len(got) / total:.1f} %", f"{len(got):,}",
                         f"{mean:.1f}", f"{mean / overall:.2f}", ""])
        rows.append([frame.name, "all", "100 %", f"{total:,}", f"{overall:.1f}", "1.00",
                     f"{changes[frame.name] / days:.1f}"])
    head = (f"{data.source} ({'candles' if data.from_candles else 'trades'}): "
            f"{days:.1f} days, {len(bars):,} closed 1m bars\n\n")
    return head + table(
        ["timeframe", "regime", "time share", "bars", "next-bar |return| bps", "× all bars",
         "changes/day"],
        rows,
    )
