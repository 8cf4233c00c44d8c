"""``omega evaluate regime``: how much of the time each regime holds, and what it is worth.

For every timeframe, the regime in force at each bar's close is paired with the absolute log
return of the next bar of that timeframe. A regime rule that means something sorts the
market: volatile bars should be followed by larger moves, ranging ones by smaller moves.
Each regime's mean move against all bars' is a ratio with an interval from a block bootstrap
over time (regimes last hours, and so do the moves that follow them); whether it differs from
1 is decided across the table's rows with Benjamini–Hochberg.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections import defaultdict

import numpy as np

from omega_tasks.core.regime import REGIMES
from omega_tasks.core.trends import TrendAnalysis
from omega_tasks.evaluation.bootstrap import NOTHING, Estimate, Timeline
from omega_tasks.evaluation.data import MarketData, closed_bars
from omega_tasks.evaluation.stats import corrected, table, times, verdicts

NAME = "regime"
HELP = "time share and next-bar absolute return per regime and timeframe"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The regime rule's defaults are what is measured; the options are the bootstrap's."""
    parser.add_argument("--block-min", type=int, default=1440,
                        help="bootstrap block length in minutes")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")


def run(data: MarketData, args: argparse.Namespace) -> str:
    bars = closed_bars(data.trades)
    analysis = TrendAnalysis()
    # per timeframe: (regime in force at a bar's close, that bar's close, the 1m bar it
    # closed with), in order
    marks: dict[str, list[tuple[str, float, int]]] = defaultdict(list)
    changes: dict[str, int] = defaultdict(int)
    for bar in bars:
        for finding in analysis.on_bar(bar) or ():
            changes[finding.evidence["timeframe"]] += 1
        for frame in analysis.frames:
            trend = frame.trend
            seen = marks[frame.name]
            if trend.bars > len(seen):
                seen.append((trend.regime.regime, trend.regime.vol.prev_close, bar.open_ms))
    days = len(bars) / 1440
    line = Timeline(bars[0].open_ms, bars[-1].open_ms, args.block_min, seed=args.seed)
    scored: list[tuple[list[str], Estimate]] = []
    for frame in analysis.frames:
        moves: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for (regime, close, when), (_, after, _) in itertools.pairwise(marks[frame.name]):
            if close > 0 and after > 0:
                moves[regime].append((when, abs(math.log(after / close))))
        everything = sorted(x for m in moves.values() for x in m)
        all_t, all_x = (np.array(v) for v in zip(*everything, strict=True)) if everything else (
            np.zeros(0), np.zeros(0))
        overall = 1e4 * float(all_x.mean()) if everything else math.nan
        for regime in REGIMES:
            got = moves.get(regime, [])
            if not got:
                continue
            t, x = (np.array(v) for v in zip(*got, strict=True))
            ratio = line.ratio(t, x, all_t, all_x)
            scored.append(([frame.name, regime, f"{100 * len(got) / len(everything):.1f} %",
                            f"{len(got):,}", f"{1e4 * x.mean():.1f}", times(ratio), ""], ratio))
        scored.append(([frame.name, "all", "100 %", f"{len(everything):,}", f"{overall:.1f}",
                        "1.00", f"{changes[frame.name] / days:.1f}"], NOTHING))
    said, tested = verdicts([ratio for _, ratio in scored])
    rows = [[*cells, _differs(ratio, word)] for (cells, ratio), word in
            zip(scored, said, strict=True)]
    head = (f"{data.source} ({'candles' if data.from_candles else 'trades'}): "
            f"{days:.1f} days, {len(bars):,} closed 1m bars; 95 % intervals: {line.describe()}, "
            f"seed {args.seed}; {corrected(tested)} (ratio against 1)\n\n")
    return head + table(
        ["timeframe", "regime", "time share", "bars", "next-bar |return| bps",
         "× all bars (95 %)", "changes/day", "moves differ"],
        rows,
    )


def _differs(ratio: Estimate, word: str) -> str:
    """Say which way a regime's moves differ from all bars', when they do."""
    if word in ("yes", "no (worse)"):
        return "larger" if ratio.value > 1 else "smaller"
    return "not told apart" if word == "no (within)" else word
