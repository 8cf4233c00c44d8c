"""``omega evaluate harmony``: when the signals agree on a direction, does price go that way?

The trend, threshold, Fibonacci and trap analyses fold the data as the workers would; every
``--every`` minutes, at a 1m close, harmony is read off their views exactly as the harmony
analysis reads their snapshots (the model is absent: it is evaluated by ``omega evaluate ml``).
A reading with a direction claims price will move one dynamic threshold that way before
moving one threshold the other way, within the horizon. Rows split the readings by score;
the trend signal alone at the same closes, and random times with the readings' directions,
are the baselines. Intervals come from a block bootstrap over time (readings in one trend
share its moves); each row's edge over the random times is tested, corrected across the table
(Benjamini–Hochberg).
"""

from __future__ import annotations

import argparse

import numpy as np

from omega_tasks.core import harmony
from omega_tasks.core.analysis import Fold
from omega_tasks.core.bars import BarClock
from omega_tasks.core.fib_analysis import FibAnalysis
from omega_tasks.core.sweeps import SweepAnalysis
from omega_tasks.core.threshold import ThresholdAnalysis
from omega_tasks.core.trends import TrendAnalysis
from omega_tasks.core.types import MINUTE_MS, Trades
from omega_tasks.evaluation.bootstrap import NOTHING, Estimate, Timeline
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.forward import (
    Signal,
    baseline,
    evaluate,
    first_edge,
    first_share,
    thresholds,
    timeline,
)
from omega_tasks.evaluation.stats import corrected, percent, points, table, verdicts
from omega_tasks.names import FIB, THRESHOLD, TRAPS, TREND

NAME = "harmony"
HELP = "agreement of trend, regime, traps and Fibonacci: moves its way first, against baselines"
BANDS = ((0.75, 1.01, "score ≥ 0.75"), (0.5, 0.75, "0.5 ≤ score < 0.75"),
         (0.0, 0.5, "score < 0.5"))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--horizon-min", type=int, default=15, help="minutes to wait for a move")
    parser.add_argument("--every", type=int, default=15, help="minutes between readings")
    parser.add_argument("--draws", type=int, default=5, help="random times per reading")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--block-min", type=int, default=240,
                        help="bootstrap block length in minutes")


def readings(
    data: MarketData, every: int
) -> tuple[list[Signal], list[float], list[Signal], int]:
    """Fold the data; return harmony's signals and scores, the trend's, and readings taken.

    A reading is taken after the trade that closes a bar opening on a multiple of ``every``
    minutes, from the analyses' views as of that trade, as the workers read them.
    """
    folds = {TREND: Fold(TrendAnalysis()), THRESHOLD: Fold(ThresholdAnalysis()),
             FIB: Fold(FibAnalysis()), TRAPS: Fold(SweepAnalysis())}
    trades = data.trades
    signals: list[Signal] = []
    scores: list[float] = []
    trend_signals: list[Signal] = []
    taken = done = 0
    for i in reading_points(trades, every):
        for fold in folds.values():
            fold.feed(trades[done : i + 1])
        done = i + 1
        views = {name: fold.analysis.view() for name, fold in folds.items()}
        reading = harmony.read(views, harmony.last_trap(views[TRAPS]))
        thr = views[THRESHOLD]["threshold"]
        if reading is None or not views[THRESHOLD]["warm"]:
            continue
        taken += 1
        if reading.direction:
            signals.append(Signal("harmony", i, reading.direction, thr))
            scores.append(reading.score)
        trend = reading.votes[0].direction
        if trend:
            trend_signals.append(Signal("trend", i, trend, thr))
    return signals, scores, trend_signals, taken


def reading_points(trades: Trades, every: int) -> list[int]:
    """The index of each trade that closes a bar opening on a multiple of ``every`` minutes."""
    clock = BarClock()
    points = []
    for i, row in enumerate(trades.rows()):
        closed = clock.update(*row)
        if closed and (closed[-1].open_ms // MINUTE_MS) % every == 0:
            points.append(i)
    return points


def run(data: MarketData, args: argparse.Namespace) -> str:
    horizon_ms = args.horizon_min * MINUTE_MS
    signals, scores, trend_signals, taken = readings(data, args.every)
    last_ms = data.trades.times_ms[-1]
    usable = [k for k, s in enumerate(signals)
              if data.trades.times_ms[s.index] + horizon_ms <= last_ms]
    signals = [signals[k] for k in usable]
    score = np.array([scores[k] for k in usable])
    trend_signals = [s for s in trend_signals
                     if data.trades.times_ms[s.index] + horizon_ms <= last_ms]
    outcomes = evaluate(data.trades, signals, horizon_ms)
    times = np.asarray(data.trades.times_ms, dtype=np.int64)
    when = times[[s.index for s in signals]] if signals else np.zeros(0, dtype=np.int64)
    trend_when = np.array([times[s.index] for s in trend_signals], dtype=np.int64)
    trend_outcomes = evaluate(data.trades, trend_signals, horizon_ms)
    at, random = baseline(data.trades, signals, horizon_ms, thresholds(data.trades), args.draws,
                          args.seed)
    line = timeline(data.trades, args.block_min, args.seed)
    base = (times[at], random)
    scored = [_row(line, label, when[band], outcomes[band], base)
              for lo, hi, label in BANDS for band in [(score >= lo) & (score < hi)]]
    scored.append(_row(line, "every reading with a direction", when, outcomes, base))
    scored.append(_row(line, "trend alone (sign of alignment)", trend_when, trend_outcomes, base))
    scored.append(_row(line, "random times, same directions", *base, None))
    said, tested = verdicts([edge for _, edge in scored])
    rows = [[*cells, word] for (cells, _), word in zip(scored, said, strict=True)]
    days = (last_ms - data.trades.times_ms[0]) / 86_400_000
    head = (f"{data.source} ({'candles' if data.from_candles else 'trades'}): {days:.1f} days; "
            f"{taken:,} readings every {args.every} min, {len(signals):,} with a direction and "
            f"a full {args.horizon_min} min after; the model signal is absent here; 95 % "
            f"intervals: {line.describe()}, seed {args.seed}; {corrected(tested)}\n\n")
    return head + table(
        ["readings", "n", "its way first", "other way first", "neither",
         "its way first, of decided", "minus random, points", "beats random"], rows)


def _row(line: Timeline, label: str, times_ms: np.ndarray, outcomes: np.ndarray,
         base: tuple[np.ndarray, np.ndarray] | None) -> tuple[list[str], Estimate]:
    won, lost = int((outcomes > 0).sum()), int((outcomes < 0).sum())
    edge = NOTHING if base is None else first_edge(line, times_ms, outcomes, *base)
    return [label, f"{len(outcomes):,}", f"{won:,}", f"{lost:,}",
            f"{int((outcomes == 0).sum()):,}", percent(first_share(line, times_ms, outcomes)),
            points(edge) if base is not None else ""], edge
