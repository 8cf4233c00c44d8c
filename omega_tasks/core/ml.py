"""The trend model (AITrendsMonitor): calibrated up / neither / down probabilities per 1m bar.

Rows are bars; features are ``core/ml_features.py``'s, labels the triple-barrier labels of
``core/ml_labels.py`` with the dynamic threshold over ``horizon_bars``. A model predicting
from row a is trained on the ``train_bars`` rows before a − ``gap_bars``; the gap is at
least the horizon, so every training label was known at the close of bar a − 1, before the
first prediction. The classifier is a multinomial logistic regression on standardised
features (at minute horizons the signal is faint and a linear model, fast and stable, is
the honest first choice). Its probabilities are calibrated (sigmoid) on out-of-fold
predictions over three contiguous blocks of its own window, then it is refitted on the
whole window; all of that lies before the gap. Everything is seeded and single-threaded:
the same bars give the same model.

The predicted class is the one whose probability most exceeds its share in training
(argmax of p / share), so a rare class is predicted when it is likelier than usual; the
probabilities themselves stay calibrated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from omega_tasks.core.ml_features import FEATURES, LOOKBACK, BarColumns, feature_matrix
from omega_tasks.core.ml_labels import CLASSES, UNKNOWN, triple_barrier
from omega_tasks.core.ml_patterns import Patterns, fit_patterns, shapes
from omega_tasks.core.threshold import ThresholdParams, threshold_path
from omega_tasks.core.types import MINUTE_MS, Bar

Array = np.ndarray


class TrainingError(ValueError):
    """The data cannot train a model (too few rows, a class missing)."""


@dataclass(frozen=True, slots=True)
class ModelParams:
    """Model and training defaults; windows in 1m bars, expiry in market milliseconds."""

    horizon_bars: int = 5
    train_bars: int = 7 * 1440
    gap_bars: int = 5
    calibration_splits: int = 3
    c: float = 0.1
    max_iter: int = 500
    patterns: int = 8
    pattern_bars: int = 30
    pattern_stride: int = 3
    seed: int = 0
    expiry_ms: int = 3 * 60 * MINUTE_MS

    def __post_init__(self) -> None:
        if self.gap_bars < self.horizon_bars:
            raise ValueError("gap_bars must be at least horizon_bars: labels would leak")
        if self.horizon_bars < 1 or self.train_bars < 1:
            raise ValueError("horizon_bars and train_bars must be positive")

    @property
    def threshold(self) -> ThresholdParams:
        return ThresholdParams(horizon_bars=self.horizon_bars)


@dataclass(frozen=True, slots=True)
class Dataset:
    """Features, shapes, thresholds and labels of every bar of a history."""

    cols: BarColumns
    features: Array
    shapes: Array
    threshold: Array
    labels: Array

    def __len__(self) -> int:
        return len(self.cols)

    @classmethod
    def build(cls, bars: Sequence[Bar], params: ModelParams) -> Dataset:
        cols = BarColumns.of(bars)
        thr = threshold_path(bars, params.threshold)[1:]  # at each bar's close
        return cls(cols, feature_matrix(cols), shapes(cols.close, params.pattern_bars), thr,
                   triple_barrier(cols, thr, params.horizon_bars))

    def usable(self, lo: int, hi: int) -> Array:
        """Indices in [lo, hi) with features, a shape and a known label."""
        idx = np.arange(max(lo, 0), max(hi, 0))
        ok = (np.isfinite(self.features[idx]).all(axis=1)
              & np.isfinite(self.shapes[idx]).all(axis=1)
              & (self.labels[idx] != UNKNOWN))
        found: Array = idx[ok]
        return found

    def predictable(self, lo: int, hi: int) -> Array:
        """Indices in [lo, hi) with features and a shape (labels not needed)."""
        idx = np.arange(max(lo, 0), min(hi, len(self)))
        ok = np.isfinite(self.features[idx]).all(axis=1) & np.isfinite(self.shapes[idx]).all(1)
        found: Array = idx[ok]
        return found


@dataclass(frozen=True)
class TrendModel:
    """A fitted classifier and pattern set, with what they were trained on.

    ``data_digest`` fingerprints the training rows, the parameters and the patterns (whose
    ids may come from a previous model): two models with the same digest are the same.
    """

    classifier: Any
    patterns: Patterns
    params: ModelParams
    features: tuple[str, ...]
    trained_from_ms: int
    trained_until_ms: int
    rows: int
    class_shares: tuple[float, ...]
    data_digest: str

    def probabilities(self, features: Array) -> Array:
        """Return P(down), P(neither), P(up) for each feature row."""
        probs: Array = self.classifier.predict_proba(features)
        return probs

    def decide(self, probs: Array) -> Array:
        """Return the predicted class of each probability row (see the module docstring)."""
        found: Array = np.asarray(CLASSES)[np.argmax(probs / np.asarray(self.class_shares), 1)]
        return found

    def check(self) -> None:
        """Raise ValueError saying how the model breaks the feature contract, if it does.

        A model from another feature set, or a stored file that holds something else than a
        fitted classifier and centroids, would fail at the first prediction: it is refused at
        load instead, so the other versions go on predicting.
        """
        if tuple(self.features) != FEATURES:
            raise ValueError(f"features {list(self.features)[:3]}... are not this version's "
                             f"{len(FEATURES)} features")
        width = getattr(self.classifier, "n_features_in_", None)
        if width != len(FEATURES):
            raise ValueError(f"the classifier takes {width} features, not {len(FEATURES)}")
        classes = [int(c) for c in getattr(self.classifier, "classes_", ())]
        if classes != list(CLASSES):
            raise ValueError(f"the classifier's classes are {classes}, not {list(CLASSES)}")
        probe = np.asarray(self.classifier.predict_proba(np.zeros((1, len(FEATURES)))))
        if probe.shape != (1, len(CLASSES)) or not np.all(np.isfinite(probe)):
            raise ValueError(f"the classifier answers {probe.shape}, not one row of "
                             f"{len(CLASSES)} probabilities")
        centroids = np.asarray(self.patterns.centroids)
        want = (self.params.patterns, self.params.pattern_bars)
        if centroids.shape != want or not np.all(np.isfinite(centroids)):
            raise ValueError(f"pattern centroids are {centroids.shape}, not {want}")
        if len(self.class_shares) != len(CLASSES) or min(self.class_shares) <= 0:
            raise ValueError(f"class shares {self.class_shares} are not three positive shares")

    def fresh(self, at_ms: int) -> bool:
        """Whether the model may predict at market time ``at_ms``: trained on data before
        it, and not longer ago than its expiry."""
        return 0 <= at_ms - self.trained_until_ms <= self.params.expiry_ms


def train(
    ds: Dataset, first_row: int, params: ModelParams, previous: Patterns | None = None
) -> TrendModel:
    """Train a model to predict from row ``first_row`` on, from the rows before its gap."""
    end = first_row - params.gap_bars
    rows = ds.usable(end - params.train_bars, end)
    if len(rows) < 10 * params.calibration_splits or len(rows) < params.patterns:
        raise TrainingError(f"{len(rows)} usable rows before row {first_row}: too few")
    y = ds.labels[rows]
    present = set(np.unique(y).tolist())
    if present != set(CLASSES):
        raise TrainingError(f"training labels hold only classes {sorted(present)}")
    base = make_pipeline(StandardScaler(), LogisticRegression(C=params.c,
                                                              max_iter=params.max_iter))
    cv = KFold(n_splits=params.calibration_splits)
    classifier = CalibratedClassifierCV(base, method="sigmoid", cv=cv, ensemble=False)
    sample = rows[:: params.pattern_stride]
    with threadpool_limits(limits=1):  # threads only contend on a busy machine
        classifier.fit(ds.features[rows], y)
        patterns = fit_patterns(ds.shapes[sample], params.patterns, params.seed, previous)
    shares = tuple(float(np.mean(y == c)) for c in CLASSES)
    digest = hashlib.sha256(repr(params).encode())
    for part in (ds.features[rows], y, ds.shapes[rows]):
        digest.update(np.ascontiguousarray(part).tobytes())
    digest.update(patterns.centroids.tobytes())
    last_bar = int(rows[-1]) + params.horizon_bars  # the last bar any training label saw
    return TrendModel(
        classifier, patterns, params, FEATURES,
        trained_from_ms=int(ds.cols.open_ms[max(0, int(rows[0]) - LOOKBACK)]),
        trained_until_ms=int(ds.cols.open_ms[last_bar]) + MINUTE_MS,
        rows=len(rows), class_shares=shares, data_digest=digest.hexdigest(),
    )

