"""``omega evaluate ml``: the trend model walk-forward on a candle or tick file, against baselines.

The file's closed 1m bars are cut into test blocks; each block is predicted by a model
trained on the window before it, a gap of at least the label horizon apart
(``core/ml_walkforward.py``), exactly as the hourly retrain would have. Candles carry no
buy/sell split, so on a candle file every bar counts half its volume as buys (the imbalance
features say nothing there) rather than inventing a split from the bar's path. Last, what
followed each price-shape pattern in the test blocks (ids as each fold's model assigned them,
kept from fold to fold by matching centroids). Then the model against each baseline on the
scores that add up row by row (log-loss, directional accuracy), as differences with intervals
from a block bootstrap over time and verdicts corrected across the table (Benjamini–Hochberg).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from datetime import UTC, datetime

import numpy as np

from omega_tasks.core.ml import Dataset, ModelParams
from omega_tasks.core.ml_walkforward import METHODS, Predictions, Score, overall, walk_forward
from omega_tasks.evaluation.bootstrap import Estimate, Timeline
from omega_tasks.evaluation.data import MarketData, closed_bars
from omega_tasks.evaluation.stats import corrected, points, table, verdicts

NAME = "ml"
HELP = "walk-forward balanced accuracy, AUC and log-loss of the trend model against baselines"
DAY_BARS = 1440


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ModelParams()
    parser.add_argument("--horizon-bars", type=int, default=defaults.horizon_bars,
                        help="label horizon in 1m bars (the gap is the same)")
    parser.add_argument("--train-days", type=float, default=defaults.train_bars / DAY_BARS,
                        help="sliding training window, days")
    parser.add_argument("--test-days", type=float, default=7.0, help="test block, days")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--block-min", type=int, default=1440,
                        help="bootstrap block length in minutes")


def run(data: MarketData, args: argparse.Namespace) -> str:
    bars = closed_bars(data.trades)
    if data.from_candles:
        bars = [dataclasses.replace(b, buy_volume=b.volume / 2) for b in bars]
    params = ModelParams(horizon_bars=args.horizon_bars, gap_bars=args.horizon_bars,
                         train_bars=round(args.train_days * DAY_BARS), seed=args.seed)
    ds = Dataset.build(bars, params)
    blocks = walk_forward(ds, params, round(args.test_days * DAY_BARS))
    head = (f"{data.source} ({'candles' if data.from_candles else 'trades'}): "
            f"{len(bars) / DAY_BARS:.1f} days, {len(bars):,} closed 1m bars; labels: "
            f"up / neither / down by one dynamic threshold within {params.horizon_bars} bars; "
            f"train {args.train_days:g} days, gap {params.gap_bars} bars, "
            f"test blocks of {args.test_days:g} days")
    return "\n\n".join([head, _by_block(blocks), _overall(blocks), _shares(blocks),
                        _patterns(blocks), _edges(blocks, args.block_min, args.seed)])


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{100 * x:.1f} %"


def _num(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def _by_block(blocks: list[Predictions]) -> str:
    rows = []
    for i, b in enumerate(blocks, 1):
        s = {m: b.score(m) for m in METHODS}
        start = datetime.fromtimestamp(b.start_ms / 1000, UTC).strftime("%Y-%m-%d")
        rows.append([str(i), start, f"{s['model'].rows:,}",
                     *(_pct(s[m].balanced_accuracy) for m in METHODS),
                     _pct(s["model"].directional), _pct(s["persistence"].directional),
                     _num(s["model"].auc), _num(s["persistence"].auc),
                     _num(s["model"].log_loss), _num(s["majority"].log_loss)])
    return table(["fold", "test from", "rows", "bal. acc. model", "majority", "persistence",
                  "random", "directional model", "persistence", "AUC model", "persistence",
                  "log-loss model", "majority"], rows)


def _overall(blocks: list[Predictions]) -> str:
    rows = []
    for m in METHODS:
        s: Score = overall(blocks, m)
        rows.append([m, f"{s.rows:,}", _pct(s.balanced_accuracy), _pct(s.directional),
                     _num(s.auc), _num(s.log_loss)])
    return table(["overall (all folds)", "rows", "balanced accuracy (chance 33.3 %)",
                  "directional (chance 50 %)", "AUC (macro, one-vs-rest)", "log-loss"], rows)


def _shares(blocks: list[Predictions]) -> str:
    if not blocks:
        return "no test block: the file is shorter than one training window and a test block"
    labels = [x for b in blocks for x in b.labels.tolist()]
    n = len(labels)
    shares = ", ".join(f"{name} {100 * labels.count(c) / n:.1f} %"
                       for c, name in ((1, "up"), (0, "neither"), (-1, "down")))
    return f"test labels: {shares}"


def _patterns(blocks: list[Predictions]) -> str:
    """What followed each price-shape pattern out of sample, against all test bars."""
    if not blocks:
        return ""
    labels = np.concatenate([b.labels for b in blocks])
    ids = np.concatenate([b.patterns for b in blocks])
    rows = []
    for pattern in [*sorted(set(ids.tolist())), None]:
        seen = labels if pattern is None else labels[ids == pattern]
        rows.append(["all" if pattern is None else str(pattern),
                     f"{100 * len(seen) / len(labels):.1f} %",
                     *(_pct(float(np.mean(seen == c))) for c in (1, 0, -1))])
    return table(["pattern (test bars)", "share of bars", "then up", "then neither",
                  "then down"], rows)


def _edges(blocks: list[Predictions], block_min: int, seed: int) -> str:
    """The model minus each baseline, row by row: log-loss (lower is better) and directional
    accuracy, with block-bootstrap intervals and corrected verdicts."""
    if not blocks:
        return ""
    when = np.concatenate([b.times_ms for b in blocks])
    labels = np.concatenate([b.labels for b in blocks])
    moved = labels != 0
    line = Timeline(int(when[0]), int(when[-1]), block_min, seed=seed)

    def per_row(method: str) -> tuple[np.ndarray, np.ndarray]:
        probs = np.concatenate([b.probs[method] for b in blocks])
        clipped = np.clip(probs, 1e-6, 1.0)
        clipped /= clipped.sum(axis=1, keepdims=True)
        loss = -np.log(clipped[np.arange(len(labels)), labels + 1])
        said_up = probs[moved, 2] > probs[moved, 0]
        return loss, (said_up == (labels[moved] == 1)).astype(float)

    model_loss, model_right = per_row("model")
    scored: list[tuple[list[str], Estimate, bool]] = []
    for method in METHODS[1:]:
        loss, right = per_row(method)
        # lower log-loss is better: the edge is baseline − model, so "yes" means the model wins
        gain = line.difference(when, loss, when, model_loss)
        edge = line.difference(when[moved], model_right, when[moved], right)
        scored.append(([f"log-loss, {method} − model", f"{gain.value:+.4f} "
                        f"[{gain.lo:+.4f}, {gain.hi:+.4f}]"], gain, True))
        scored.append(([f"directional, model − {method}", points(edge)], edge, False))
    said, tested = verdicts([edge for _, edge, _ in scored])
    rows = [[*cells, word] for (cells, _, _), word in zip(scored, said, strict=True)]
    return (f"model against baselines on the test rows; 95 % intervals: {line.describe()}, "
            f"seed {seed}; {corrected(tested)}\n\n"
            + table(["edge (positive: the model is better)", "difference (95 %)",
                     "model better"], rows))
