"""``omega evaluate harmony``: when the signals agree on a direction, does price go that way?

The trend, threshold, Fibonacci and trap analyses fold the data as the workers would; every
``--every`` minutes, at a 1m close, harmony is read off their views exactly as the harmony
analysis reads their snapshots (the model is absent: it is evaluated by ``omega evaluate ml``).
A reading with a direction claims price will move one dynamic threshold that way before
moving one threshold the other way, within the horizon. Rows split the readings by score;
the trend signal alone at the same closes, and random times with the readings' directions,
are the baselines. Readings ``--every`` minutes apart do not share a horizon when
``--every`` ≥ ``--horizon-min``, so the intervals are honest.
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
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.forward import Signal, baseline, evaluate, thresholds
from omega_tasks.evaluation.stats import share, table
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
    rows = [_row(label, outcomes[(score >= lo) & (score < hi)]) for lo, hi, label in BANDS]
    rows.append(_row("every reading with a direction", outcomes))
    rows.append(_row("trend alone (sign of alignment)",
                     evaluate(data.trades, trend_signals, horizon_ms)))
    in_force = thresholds(data.trades)
    random = baseline(data.trades, signals, horizon_ms, in_force, args.draws, args.seed)
    rows.append(_row("random times, same directions", random))
    days = (last_ms - data.trades.times_ms[0]) / 86_400_000
    head = (f"{data.source} ({'candles' if data.from_candles else 'trades'}): {days:.1f} days; "
            f"{taken:,} readings every {args.every} min, {len(signals):,} with a direction and "
            f"a full {args.horizon_min} min after; the model signal is absent here\n\n")
    return head + table(
        ["readings", "n", "its way first", "other way first", "neither",
         "its way first, of decided"], rows)


def _row(label: str, outcomes: np.ndarray) -> list[str]:
    won, lost = int((outcomes > 0).sum()), int((outcomes < 0).sum())
    return [label, f"{len(outcomes):,}", f"{won:,}", f"{lost:,}",
            f"{int((outcomes == 0).sum()):,}", share(won, won + lost)]

