"""Block bootstrap over time: intervals for means, shares and differences of clustered events.

Events cluster in time (a volatile hour fires many grabs, and their outcomes share that hour's
moves), so they are not independent draws, and an interval that treats them as such (Wilson's)
is too narrow. A ``Timeline`` cuts the span the events fall in into one-minute bins; a circular
block bootstrap redraws runs of ``block_min`` consecutive minutes (at most a tenth of the span,
so that a redraw mixes at least ten blocks; wrapping at the end) until the redraw spans as
many minutes as the data, which keeps whatever dependence lives within a block, and
recomputes the statistic on each redraw. The redraws are seeded and shared by every
row of a table, so tables reproduce and rows are compared on the same resampled histories.
A row with fewer than ``MIN_EVENTS`` events gets its value alone: no interval and no test.

For a table of events against a baseline (times in ms, one value per event, e.g. 1 for a win,
0 for a loss; a share is the mean of such values)::

    line = Timeline(first_ms, last_ms, block_min=60, seed=0)
    mine = line.mean(event_times, event_values)          # Estimate: value, lo, hi, n
    edge = line.difference(event_times, event_values, base_times, base_values)
    said = verdicts([edge, ...])                          # stats.py: Benjamini–Hochberg
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BIN_MS = 60_000
DRAWS = 2000
LEVEL = 0.95
MIN_BLOCKS = 10
MIN_EVENTS = 30  # fewer, and redraws of the few blocks holding them cannot show the spread


@dataclass(frozen=True, slots=True)
class Estimate:
    """A statistic with its bootstrap interval; ``p_value`` (two-sided) tests a difference
    against 0 or a ratio against 1, and is NaN for a plain mean."""

    value: float
    lo: float
    hi: float
    n: int
    p_value: float = math.nan

    @property
    def known(self) -> bool:
        return not math.isnan(self.value)


NOTHING = Estimate(math.nan, math.nan, math.nan, 0)


class Timeline:
    """The minutes from ``first_ms`` to ``last_ms`` and a seeded set of block redraws of them."""

    __slots__ = ("bins", "block", "first_ms", "lengths", "starts")

    def __init__(self, first_ms: int, last_ms: int, block_min: int = 60, draws: int = DRAWS,
                 seed: int = 0) -> None:
        if last_ms < first_ms:
            raise ValueError("the timeline ends before it starts")
        if block_min < 1 or draws < 1:
            raise ValueError("block_min and draws must be at least 1")
        self.first_ms = first_ms
        self.bins = (last_ms - first_ms) // BIN_MS + 1
        self.block = max(1, min(block_min, self.bins // MIN_BLOCKS))
        count = -(-self.bins // self.block)
        self.lengths = np.full(count, self.block, dtype=np.int64)
        self.lengths[-1] = self.bins - (count - 1) * self.block  # redraws span the data exactly
        self.starts = np.random.default_rng(seed).integers(0, self.bins, size=(draws, count))

    def describe(self) -> str:
        """Say how intervals were drawn, for a table's heading."""
        draws, blocks = self.starts.shape
        return (f"circular block bootstrap over time, blocks of {self.block} min "
                f"({blocks:,} a redraw), {draws:,} draws")

    def mean(self, times_ms: Sequence[int] | np.ndarray,
             values: Sequence[float] | np.ndarray) -> Estimate:
        """Return the mean of ``values`` with its interval (a share, for 0/1 values)."""
        point, draws = self._means(times_ms, values)
        if not len(values):
            return NOTHING
        return _estimate(point, draws, len(values))

    def difference(self, times_ms: Sequence[int] | np.ndarray,
                   values: Sequence[float] | np.ndarray,
                   base_times_ms: Sequence[int] | np.ndarray,
                   base_values: Sequence[float] | np.ndarray) -> Estimate:
        """Return mean(values) − mean(base_values), redrawn together, with a p-value for 0."""
        if not len(values) or not len(base_values):
            return NOTHING
        point, draws = self._means(times_ms, values)
        base_point, base_draws = self._means(base_times_ms, base_values)
        return _estimate(point - base_point, draws - base_draws,
                         min(len(values), len(base_values)), centre=0.0)

    def ratio(self, times_ms: Sequence[int] | np.ndarray, values: Sequence[float] | np.ndarray,
              base_times_ms: Sequence[int] | np.ndarray,
              base_values: Sequence[float] | np.ndarray) -> Estimate:
        """Return mean(values) / mean(base_values), redrawn together, with a p-value for 1."""
        if not len(values) or not len(base_values):
            return NOTHING
        point, draws = self._means(times_ms, values)
        base_point, base_draws = self._means(base_times_ms, base_values)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log(draws / base_draws)
        got = _estimate(math.log(point / base_point), logs, min(len(values), len(base_values)),
                        centre=0.0)
        return Estimate(math.exp(got.value), math.exp(got.lo), math.exp(got.hi), got.n,
                        got.p_value)

    def _means(self, times_ms: Sequence[int] | np.ndarray,
               values: Sequence[float] | np.ndarray) -> tuple[float, np.ndarray]:
        """The mean over the data and over each redraw (NaN where a redraw holds no event)."""
        sums = self._redrawn(times_ms, np.asarray(values, dtype=float))
        counts = self._redrawn(times_ms, np.ones(len(values)))
        with np.errstate(divide="ignore", invalid="ignore"):
            draws = sums[1] / counts[1]
            point = sums[0] / counts[0] if counts[0] else math.nan
        return float(point), draws

    def _redrawn(self, times_ms: Sequence[int] | np.ndarray,
                 column: np.ndarray) -> tuple[float, np.ndarray]:
        """The column's sum over the data, and over each redraw of the minutes."""
        where = (np.asarray(times_ms, dtype=np.int64) - self.first_ms) // BIN_MS
        if where.size and (where.min() < 0 or where.max() >= self.bins):
            raise ValueError("an event falls outside the timeline")
        per_bin = np.bincount(where, weights=column, minlength=self.bins)
        running = np.concatenate([[0.0], np.cumsum(np.concatenate([per_bin, per_bin]))])
        blocks = running[self.starts + self.lengths] - running[self.starts]
        return float(per_bin.sum()), blocks.sum(axis=1)


def _estimate(point: float, draws: np.ndarray, n: int, centre: float | None = None) -> Estimate:
    """Percentile interval of the draws; with ``centre``, the two-sided p-value for it that
    inverts the same percentile interval (twice the share of draws on the far side of
    ``centre``), so a row's verdict and its printed interval never disagree."""
    draws = draws[np.isfinite(draws)]
    if math.isnan(point) or not draws.size or n < MIN_EVENTS:
        return Estimate(point, math.nan, math.nan, n)
    tail = 100 * (1 - LEVEL) / 2
    lo, hi = np.percentile(draws, [tail, 100 - tail])
    p = math.nan
    if centre is not None:
        below, above = int(np.sum(draws <= centre)), int(np.sum(draws >= centre))
        p = min(1.0, 2 * (1 + min(below, above)) / (1 + draws.size))
    return Estimate(point, float(lo), float(hi), n, p)
