"""Block bootstrap over time, for estimates from events that cluster.

Events close in time share a market state: counted as independent they make intervals too
narrow. Here time is cut into blocks of a fixed length and whole blocks are resampled with
replacement (seeded, so tables reproduce); a mean is re-estimated over the blocks drawn.
A difference of two sets (events against a baseline, or with against without) resamples
the same blocks for both, so what they share in time cancels. Verdicts across a table's
rows are corrected by Benjamini–Hochberg.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REPLICATES = 2_000
MIN_COUNT = 10  # fewer values, or values in fewer blocks, get no interval
MIN_BLOCKS = 5
LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean with its bootstrap interval (None: too few values or blocks)."""

    count: int
    value: float
    interval: tuple[float, float] | None

    def text(self, fmt: str) -> str:
        if not self.count:
            return "none"
        shown = fmt.format(self.value)
        if self.interval is None:
            return f"{shown} (too few)"
        lo, hi = self.interval
        return f"{shown} [{fmt.format(lo)}, {fmt.format(hi)}]"


@dataclass(frozen=True, slots=True)
class Difference(Estimate):
    """A difference a − b, with the one-sided p-value of a > b (None: too few)."""

    p_value: float | None = None


def _blocks(values: np.ndarray, times: np.ndarray, block_ms: int, ids: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Sums and counts of the finite values in each block of ``ids``."""
    keep = np.isfinite(values)
    where = np.searchsorted(ids, np.asarray(times, dtype=np.int64)[keep] // block_ms)
    sums = np.bincount(where, weights=values[keep], minlength=len(ids))
    counts = np.bincount(where, minlength=len(ids)).astype(float)
    return sums, counts


def _draws(n_blocks: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n_blocks, size=(REPLICATES, n_blocks))


def _interval(replicates: np.ndarray) -> tuple[float, float]:
    tail = (1 - LEVEL) / 2 * 100
    lo, hi = np.nanpercentile(replicates, [tail, 100 - tail])
    return float(lo), float(hi)


def mean(values: np.ndarray, times: np.ndarray, block_ms: int, seed: int = 0) -> Estimate:
    """The mean of the finite values, with a block-bootstrap interval."""
    values = np.asarray(values, dtype=float)
    times = np.asarray(times, dtype=np.int64)
    finite = np.isfinite(values)
    count = int(finite.sum())
    if not count:
        return Estimate(0, float("nan"), None)
    ids = np.unique(times[finite] // block_ms)
    sums, counts = _blocks(values, times, block_ms, ids)
    value = float(values[finite].mean())
    if count < MIN_COUNT or len(ids) < MIN_BLOCKS:
        return Estimate(count, value, None)
    draws = _draws(len(ids), seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        replicates = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    return Estimate(count, value, _interval(replicates))


def difference(a: np.ndarray, a_times: np.ndarray, b: np.ndarray, b_times: np.ndarray,
               block_ms: int, seed: int = 0) -> Difference:
    """mean(a) − mean(b), both resampled over the same blocks, and the one-sided p-value
    that a exceeds b (the share of replicates at or below zero, with the usual +1)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    a_times, b_times = np.asarray(a_times, dtype=np.int64), np.asarray(b_times, dtype=np.int64)
    fa, fb = np.isfinite(a), np.isfinite(b)
    count = int(fa.sum())
    if not count or not fb.any():
        return Difference(count, float("nan"), None)
    value = float(a[fa].mean() - b[fb].mean())
    ids = np.unique(np.concatenate([a_times[fa], b_times[fb]]) // block_ms)
    if min(count, int(fb.sum())) < MIN_COUNT or len(ids) < MIN_BLOCKS:
        return Difference(count, value, None)
    sa, ca = _blocks(a, a_times, block_ms, ids)
    sb, cb = _blocks(b, b_times, block_ms, ids)
    draws = _draws(len(ids), seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        replicates = (sa[draws].sum(axis=1) / ca[draws].sum(axis=1)
                      - sb[draws].sum(axis=1) / cb[draws].sum(axis=1))
    replicates = replicates[np.isfinite(replicates)]
    p_value = float((np.sum(replicates <= 0) + 1) / (len(replicates) + 1))
    return Difference(count, value, _interval(replicates), p_value)


def benjamini_hochberg(p_values: list[float], q: float = 0.05) -> list[bool]:
    """Which hypotheses are rejected at false-discovery rate ``q`` (Benjamini–Hochberg)."""
    m = len(p_values)
    if not m:
        return []
    order = np.argsort(p_values)
    ranked = np.asarray(p_values)[order]
    below = np.flatnonzero(ranked <= q * np.arange(1, m + 1) / m)
    rejected = np.zeros(m, dtype=bool)
    if below.size:
        rejected[order[: below[-1] + 1]] = True
    return [bool(r) for r in rejected]
