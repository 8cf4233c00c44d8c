"""``omega evaluate volatility``: the volatility forecast against EWMA, HAR-RV and the last hour.

The volatility analysis folds the file's closed 1m bars exactly as the workers would, and its
forecast of realised variance over the next 5, 15 and 60 minutes is scored beside the
baselines of ``vol_baselines.py`` on the same bars: QLIKE (RV/F − log(RV/F) − 1, lower is
better; Patton's loss, robust to noise in RV) and the mean squared error of log RV, and the
Mincer–Zarnowitz R² of log RV on log F. Each baseline's loss minus the forecast's is
a difference with an interval from a block bootstrap over time (targets overlap and
volatility clusters), with verdicts corrected across the table (Benjamini–Hochberg).

The move probability (a one-threshold move within 5 bars) is scored by its Brier score
against the overall rate so far and against the EWMA's own calibration (the same calibration
table, binned by z from EWMA σ instead of the forecast), and by a reliability table. Scoring
starts after ``--skip-days`` (the daily component's warm-up) and a HAR training window.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from omega_tasks.core.types import Bar
from omega_tasks.core.vol_forecast import FLOOR, HORIZONS, ForecastParams, MoveOdds
from omega_tasks.core.volatility import VolatilityAnalysis
from omega_tasks.evaluation.bootstrap import Estimate, Timeline
from omega_tasks.evaluation.data import MarketData, closed_bars
from omega_tasks.evaluation.stats import corrected, percent, table, verdicts
from omega_tasks.evaluation.vol_baselines import (
    har,
    moved,
    realised,
    squared_returns,
    trailing_mean,
)

NAME = "volatility"
HELP = "realised variance forecast and move odds against EWMA, HAR-RV and the last hour"
DAY_BARS = 1440
BASELINES = ("ewma", "har", "last hour")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--train-days", type=float, default=7.0,
                        help="HAR-RV's sliding training window, days")
    parser.add_argument("--test-days", type=float, default=1.0,
                        help="HAR-RV's refit interval (test block), days")
    parser.add_argument("--skip-days", type=float, default=1.0,
                        help="days of warm-up before scoring starts")
    parser.add_argument("--block-min", type=int, default=1440,
                        help="bootstrap block length in minutes")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")


def fold(bars: list[Bar]) -> dict[str, np.ndarray]:
    """Run the analysis over the bars; per bar: forecasts, move odds, z, threshold, EWMA σ."""
    analysis = VolatilityAnalysis()
    n = len(bars)
    out = {name: np.full(n, np.nan) for name in ("p", "z", "thr", "sigma", "regime")}
    rv = np.full((len(HORIZONS), n), np.nan)
    for i, bar in enumerate(bars):
        analysis.on_bar(bar)
        f = analysis.last
        rv[:, i] = f.rv
        out["p"][i], out["z"][i], out["thr"][i] = f.p_move, f.z, analysis.last_threshold
        vol = analysis.threshold.volatility
        out["sigma"][i] = vol.sigma if vol.bars > 1 else np.nan
    return out | {f"rv{h}": rv[k] for k, h in enumerate(HORIZONS)}


def losses(truth: np.ndarray, guess: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """QLIKE and squared log error per row."""
    ratio = truth / guess
    return ratio - np.log(ratio) - 1, np.log(truth / guess) ** 2


def run(data: MarketData, args: argparse.Namespace) -> str:
    bars = closed_bars(data.trades)
    if len(bars) < 3:
        return f"{data.source}: {len(bars)} closed 1m bars, too few to evaluate"
    closes = np.array([b.close for b in bars])
    times = np.array([b.open_ms for b in bars], dtype=np.int64)
    squares = squared_returns(closes)
    got = fold(bars)
    train, test = round(args.train_days * DAY_BARS), max(1, round(args.test_days * DAY_BARS))
    first = round(args.skip_days * DAY_BARS) + train + max(HORIZONS)
    if first + max(HORIZONS) >= len(bars):
        return (f"{data.source}: {len(bars):,} closed 1m bars, too few: scoring starts at bar "
                f"{first:,} (--skip-days {args.skip_days:g} and --train-days "
                f"{args.train_days:g} before it, and an hour after)")
    line = Timeline(int(times[0]), int(times[-1]), args.block_min, seed=args.seed)
    score_rows, edge_rows, edges = [], [], []
    for h in HORIZONS:
        truth = realised(squares, h)
        guesses = {"forecast": got[f"rv{h}"], "ewma": h * got["sigma"] ** 2,
                   "last hour": h * trailing_mean(squares, 60),
                   "har": har(squares, h, train, test, first)}
        rows = np.arange(len(bars)) >= first
        for guess in guesses.values():
            rows &= np.isfinite(guess) & (guess > 0)
        rows &= np.isfinite(truth)
        truth_r = np.maximum(truth[rows], h * FLOOR)
        loss = {m: losses(truth_r, g[rows]) for m, g in guesses.items()}
        for m, g in guesses.items():
            mz = np.corrcoef(np.log(g[rows]), np.log(truth_r))[0, 1] ** 2 if rows.sum() > 2 \
                else math.nan
            score_rows.append([f"{h} min", m, f"{int(rows.sum()):,}", f"{loss[m][0].mean():.4f}",
                               f"{loss[m][1].mean():.4f}", f"{mz:.3f}"])
        for m in BASELINES:
            for k, measure in enumerate(("QLIKE", "MSE log")):
                edge = line.difference(times[rows], loss[m][k], times[rows], loss["forecast"][k])
                edges.append(edge)
                edge_rows.append([f"{h} min", f"{measure}: {m} − forecast", _num(edge)])
    said, tested = verdicts(edges)
    edge_rows = [[*r, w] for r, w in zip(edge_rows, said, strict=True)]
    days = len(bars) / DAY_BARS
    head = (f"{data.source} ({'candles' if data.from_candles else 'trades'}): {days:.1f} days, "
            f"{len(bars):,} closed 1m bars; scored from bar {first:,} (warm-up "
            f"{args.skip_days:g} days, HAR-RV train {args.train_days:g} days, refit every "
            f"{args.test_days:g} days, gap = horizon); RV floored at {FLOOR:g} per minute")
    scores = table(["horizon", "method", "rows", "QLIKE", "MSE log RV", "MZ R² (log)"],
                   score_rows)
    edge_table = (f"loss differences (positive: the forecast is better); 95 % intervals: "
                  f"{line.describe()}, seed {args.seed}; {corrected(tested)}\n\n"
                  + table(["horizon", "difference", "value (95 %)", "forecast better"],
                          edge_rows))
    return "\n\n".join([head, scores, edge_table, _moves(bars, got, first, line, args.seed)])


def _num(e: Estimate) -> str:
    if not e.known:
        return "n/a"
    return f"{e.value:+.4f} [{e.lo:+.4f}, {e.hi:+.4f}]"


def _moves(bars: list[Bar], got: dict[str, np.ndarray], first: int, line: Timeline,
           seed: int) -> str:
    """Brier scores and the reliability of the move probability."""
    params = ForecastParams()
    highs = np.array([b.high for b in bars])
    lows = np.array([b.low for b in bars])
    closes = np.array([b.close for b in bars])
    times = np.array([b.open_ms for b in bars], dtype=np.int64)
    outcome = moved(highs, lows, closes, got["thr"], params.move_bars)
    z_ewma = np.log(got["thr"] ** 2 / (params.move_bars * got["sigma"] ** 2))
    p = {"forecast": got["p"], "ewma": _replay(outcome, z_ewma, params, params.z_edges),
         "overall rate": _replay(outcome, np.zeros(len(bars)), params, ())}
    rows = (np.arange(len(bars)) >= first) & np.isfinite(outcome)
    for v in p.values():
        rows &= np.isfinite(v)
    if not rows.any():
        return "move probability: no bar to score"
    brier = {m: (v[rows] - outcome[rows]) ** 2 for m, v in p.items()}
    edges = [line.difference(times[rows], brier[m], times[rows], brier["forecast"])
             for m in ("ewma", "overall rate")]
    said, tested = verdicts(edges)
    score_rows = [[m, f"{brier[m].mean():.4f}", "", ""] for m in ("forecast",)]
    score_rows += [[m, f"{brier[m].mean():.4f}", _num(e), w]
                   for m, e, w in zip(("ewma", "overall rate"), edges, said, strict=True)]
    brier_table = (f"move within {params.move_bars} bars by one threshold: {int(rows.sum()):,} "
                   f"bars, {100 * outcome[rows].mean():.1f} % moved; {corrected(tested)}\n\n"
                   + table(["probability", "Brier", "Brier minus the forecast's (95 %)",
                            "forecast better"], score_rows))
    bins = np.minimum((p["forecast"][rows] * 10).astype(int), 9)
    reliability = []
    for b in range(10):
        mine = bins == b
        if not mine.any():
            continue
        share = line.mean(times[rows][mine], outcome[rows][mine])
        reliability.append([f"{b / 10:.1f}–{(b + 1) / 10:.1f}", f"{int(mine.sum()):,}",
                            f"{100 * p['forecast'][rows][mine].mean():.1f} %", percent(share)])
    return "\n\n".join([brier_table, table(["forecast P(move)", "bars", "mean forecast",
                                            "moved (95 %)"], reliability)])


def _replay(outcome: np.ndarray, z: np.ndarray, params: ForecastParams,
            edges: tuple[float, ...]) -> np.ndarray:
    """Online calibration as the analysis does it, with another z: each bar's probability
    from the outcomes known by its close (those of bars ``move_bars`` or more before)."""
    odds = MoveOdds(edges, params.forget, params.shrink_rows)
    out = np.full(len(z), np.nan)
    lag = params.move_bars
    for t in range(len(z)):
        done = t - lag
        if done >= 0 and np.isfinite(outcome[done]) and np.isfinite(z[done]):
            odds.add(float(z[done]), bool(outcome[done]))
        if np.isfinite(z[t]):
            out[t] = odds.probability(float(z[t]))
    return out
