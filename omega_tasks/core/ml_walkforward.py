"""Walk-forward evaluation of the trend model against baselines.

The history is cut into test blocks of ``test_bars`` rows; for each block a model is
trained on the ``train_bars`` rows before it, ``gap_bars`` apart (``core/ml.py``), and
scored on the block. The baselines see the same training rows:

    majority     always the commonest training class; probabilities: the training shares
    persistence  the sign of the last 1m return (up, down, or neither when flat);
                 probabilities: the training shares among rows with that same sign
    random       a class drawn at the training shares (seeded); probabilities: the shares

Scores: balanced accuracy over the three classes (chance 1/3), directional accuracy (among
rows that went up or down, whether P(up) > P(down) said which: chance 1/2), one-vs-rest
macro AUC and log-loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import balanced_accuracy_score, log_loss, roc_auc_score

from omega_tasks.core.ml import Dataset, ModelParams, TrendModel, train
from omega_tasks.core.ml_labels import CLASSES, DOWN, NEITHER, UP
from omega_tasks.core.ml_patterns import Patterns

Array = np.ndarray
METHODS = ("model", "majority", "persistence", "random")


@dataclass(frozen=True, slots=True)
class Score:
    """How one method did on a set of rows."""

    rows: int
    balanced_accuracy: float
    directional: float
    auc: float
    log_loss: float


@dataclass(frozen=True)
class Predictions:
    """True labels of a block and each method's classes and probabilities."""

    start_ms: int
    end_ms: int
    times_ms: Array  # each row's bar open
    labels: Array
    classes: dict[str, Array]
    probs: dict[str, Array]
    patterns: Array

    def score(self, method: str) -> Score:
        return score(self.labels, self.classes[method], self.probs[method])


def score(labels: Array, classes: Array, probs: Array) -> Score:
    """Score predicted classes and probabilities (columns: down, neither, up)."""
    n = len(labels)
    if n == 0:
        return Score(0, math.nan, math.nan, math.nan, math.nan)
    bal = float(balanced_accuracy_score(labels, classes))
    moved = labels != NEITHER
    said_up = probs[moved, 2] > probs[moved, 0]
    directional = float(np.mean(said_up == (labels[moved] == UP))) if moved.any() else math.nan
    if len(np.unique(labels)) == len(CLASSES):
        auc = float(roc_auc_score(labels, probs, multi_class="ovr", average="macro",
                                  labels=list(CLASSES)))
    else:
        auc = math.nan
    clipped = np.clip(probs, 1e-6, 1.0)
    loss = float(log_loss(labels, clipped / clipped.sum(axis=1, keepdims=True),
                          labels=list(CLASSES)))
    return Score(n, bal, directional, auc, loss)


def baselines(
    ds: Dataset, train_rows: Array, test_rows: Array, seed: int
) -> tuple[dict[str, Array], dict[str, Array]]:
    """Return the baselines' classes and probabilities on ``test_rows``."""
    y = ds.labels[train_rows]
    shares = np.array([np.mean(y == c) for c in CLASSES])
    n = len(test_rows)
    flat = np.tile(shares, (n, 1))
    majority = np.full(n, CLASSES[int(np.argmax(shares))])
    sign_train = np.sign(ds.features[train_rows, 0]).astype(int)
    sign_test = np.sign(ds.features[test_rows, 0]).astype(int)
    persistence_probs = flat.copy()
    for s in (DOWN, NEITHER, UP):
        same = y[sign_train == s]
        if len(same):
            counts = np.array([np.sum(same == c) for c in CLASSES], dtype=float) + 1.0
            persistence_probs[sign_test == s] = counts / counts.sum()
    rng = np.random.default_rng(seed)
    drawn = rng.choice(np.asarray(CLASSES), size=n, p=shares)
    classes = {"majority": majority, "persistence": sign_test, "random": drawn}
    probs = {"majority": flat, "persistence": persistence_probs, "random": flat}
    return classes, probs


def walk_forward(
    ds: Dataset, params: ModelParams, test_bars: int, start_row: int | None = None
) -> list[Predictions]:
    """Train and test block after block; return each block's predictions."""
    first = start_row if start_row is not None else params.train_bars + params.gap_bars
    blocks: list[Predictions] = []
    previous: Patterns | None = None
    for a in range(first, len(ds), test_bars):
        test_rows = ds.usable(a, min(a + test_bars, len(ds)))
        if not len(test_rows):
            continue
        model = train(ds, a, params, previous)
        previous = model.patterns
        blocks.append(predict_block(ds, model, a, test_rows, params.seed + a))
    return blocks


def predict_block(
    ds: Dataset, model: TrendModel, a: int, test_rows: Array, seed: int
) -> Predictions:
    """The model's and the baselines' predictions on ``test_rows``."""
    end = a - model.params.gap_bars
    train_rows = ds.usable(end - model.params.train_bars, end)
    probs = model.probabilities(ds.features[test_rows])
    classes, base_probs = baselines(ds, train_rows, test_rows, seed)
    classes["model"] = model.decide(probs)
    base_probs["model"] = probs
    cols = ds.cols
    return Predictions(int(cols.open_ms[test_rows[0]]), int(cols.open_ms[test_rows[-1]]),
                       np.asarray(cols.open_ms[test_rows], dtype=np.int64),
                       ds.labels[test_rows].astype(int), classes, base_probs,
                       model.patterns.assign(ds.shapes[test_rows]))


def overall(blocks: list[Predictions], method: str) -> Score:
    """Score a method over every block's rows together."""
    if not blocks:
        return score(np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros((0, 3)))
    return score(np.concatenate([b.labels for b in blocks]),
                 np.concatenate([b.classes[method] for b in blocks]),
                 np.concatenate([b.probs[method] for b in blocks]))


def summary(blocks: list[Predictions]) -> dict[str, object]:
    """Overall scores of every method, and the model's per block, as plain data."""
    def plain(s: Score) -> dict[str, float | None]:
        values = {"balanced_accuracy": s.balanced_accuracy, "directional": s.directional,
                  "auc": s.auc, "log_loss": s.log_loss}
        return {"rows": s.rows} | {n: None if math.isnan(v) else round(v, 5)
                                    for n, v in values.items()}

    return {
        "blocks": len(blocks),
        "overall": {m: plain(overall(blocks, m)) for m in METHODS},
        "model_by_block": [{"start_ms": b.start_ms, "end_ms": b.end_ms} | plain(b.score("model"))
                           for b in blocks],
    }
