"""``omega evaluate threshold``: is the dynamic threshold a move that actually happens?

At random times, with the threshold in force there: how often price moves one threshold
either way within the horizon, and which way it went first. Up-first should sit near 50 %
(the threshold carries no direction); the move should happen often but not always. Intervals
come from a block bootstrap over time (the samples of one volatile hour move together).
"""

from __future__ import annotations

import argparse

import numpy as np

from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.forward import Signal, evaluate, first_share, thresholds, timeline
from omega_tasks.evaluation.stats import percent, table

NAME = "threshold"
HELP = "how often a one-threshold move happens, and which way first"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--horizon-min", type=int, default=30, help="minutes to wait for a move")
    parser.add_argument("--samples", type=int, default=20_000, help="random times to sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--block-min", type=int, default=120,
                        help="bootstrap block length in minutes")


def run(data: MarketData, args: argparse.Namespace) -> str:
    in_force = thresholds(data.trades)
    times = np.asarray(data.trades.times_ms, dtype=np.int64)
    horizon_ms = args.horizon_min * 60_000
    usable = np.flatnonzero(np.isfinite(in_force) & (times + horizon_ms <= times[-1]))
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(usable, size=min(args.samples, usable.size), replace=False)
    signals = [Signal("random", int(i), 1, float(in_force[i])) for i in picks]
    outcomes = evaluate(data.trades, signals, horizon_ms)
    line = timeline(data.trades, args.block_min, args.seed)
    moved = line.mean(times[picks], (outcomes != 0).astype(float))
    days = (times[-1] - times[0]) / 86_400_000
    thr = in_force[np.isfinite(in_force)]
    rows = [
        ["data", f"{data.source} ({'candles, 4-point path' if data.from_candles else 'trades'})"],
        ["span", f"{days:.1f} days, {len(data.trades):,} trades"],
        ["threshold (median, 10th–90th pct)",
         f"{1e4 * np.median(thr):.1f} bps ({1e4 * np.percentile(thr, 10):.1f}–"
         f"{1e4 * np.percentile(thr, 90):.1f})"],
        [f"one-threshold move within {args.horizon_min} min", percent(moved)],
        ["of those, up first", percent(first_share(line, times[picks], outcomes))],
        ["95 % intervals", f"{line.describe()}, seed {args.seed}"],
    ]
    return table(["measure", "value"], rows)
