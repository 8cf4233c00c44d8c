"""What happened after a signal: did price reverse by one threshold before continuing by one?

A signal at trade i expects a move in ``direction``. Its outcome is +1 when price first moves
``threshold`` (a fraction of price) that way, -1 when it first moves ``threshold`` the other
way, 0 when neither happens within the horizon. The same measure at random times of the same
data, with the threshold in force there, is the baseline every detector must beat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from omega_tasks.core.bars import BarClock
from omega_tasks.core.threshold import ThresholdParams, threshold_path
from omega_tasks.core.types import Bar, Trades
from omega_tasks.evaluation.bootstrap import Estimate, Timeline


@dataclass(frozen=True, slots=True)
class Signal:
    """A claim made at trade ``index``: price should move ``direction`` (+1 up, -1 down)."""

    kind: str
    index: int
    direction: int
    threshold: float


def timeline(trades: Trades, block_min: int, seed: int) -> Timeline:
    """The span of the trades, to redraw events in it by blocks of ``block_min`` minutes."""
    return Timeline(int(trades.times_ms[0]), int(trades.times_ms[-1]), block_min, seed=seed)


def decided(times_ms: np.ndarray, outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The times and wins (1 for its way first, 0 for the other way) of outcomes that moved."""
    moved = outcomes != 0
    return times_ms[moved], (outcomes[moved] > 0).astype(float)


def first_share(line: Timeline, times_ms: np.ndarray, outcomes: np.ndarray) -> Estimate:
    """The share that moved their way first, of those that moved, with its interval."""
    return line.mean(*decided(times_ms, outcomes))


def first_edge(line: Timeline, times_ms: np.ndarray, outcomes: np.ndarray,
               base_times_ms: np.ndarray, base_outcomes: np.ndarray) -> Estimate:
    """That share minus the baseline's, redrawn on the same minutes, with its p-value."""
    return line.difference(*decided(times_ms, outcomes), *decided(base_times_ms, base_outcomes))


def thresholds(trades: Trades, params: ThresholdParams | None = None,
               history: Sequence[Bar] = ()) -> np.ndarray:
    """Return the dynamic threshold in force at each trade (NaN until warm).

    A trade that closes a bar already sees the threshold that bar updates. ``history``:
    closed bars from before the first trade, to start warm.
    """
    clock = BarClock()
    bars: list[Bar] = list(history)
    closed_by = np.empty(len(trades), dtype=np.int64)  # bars closed up to each trade
    for i, row in enumerate(trades.rows()):
        bars.extend(clock.update(*row))
        closed_by[i] = len(bars)
    return threshold_path(bars, params)[closed_by]


def outcome(prices: np.ndarray, end: int, index: int, direction: int, threshold: float) -> int:
    """Return +1, -1 or 0 for one signal (see the module docstring)."""
    entry = prices[index]
    path = prices[index + 1 : end] / entry - 1.0
    if direction < 0:
        path = -path
    up = np.flatnonzero(path >= threshold)
    down = np.flatnonzero(path <= -threshold)
    first_up = up[0] if up.size else None
    first_down = down[0] if down.size else None
    if first_up is None and first_down is None:
        return 0
    if first_down is None or (first_up is not None and first_up < first_down):
        return 1
    return -1


def evaluate(
    trades: Trades, signals: Sequence[Signal], horizon_ms: int
) -> np.ndarray:
    """Return the outcome of each signal within ``horizon_ms`` after it."""
    prices = np.asarray(trades.prices, dtype=float)
    times = np.asarray(trades.times_ms, dtype=np.int64)
    ends = np.searchsorted(times, times + horizon_ms, side="right")
    return np.array([outcome(prices, int(ends[s.index]), s.index, s.direction, s.threshold)
                     for s in signals], dtype=int)


def baseline(
    trades: Trades,
    signals: Sequence[Signal],
    horizon_ms: int,
    in_force: np.ndarray,
    draws: int = 20,
    seed: int = 0,
    candidates: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes at random trades with the signals' directions and the threshold in force there,
    and the trades' indices.

    ``candidates`` (trade indices) narrows where the random times may fall; all trades if None.
    """
    rng = np.random.default_rng(seed)
    usable = np.flatnonzero(np.isfinite(in_force))
    if candidates is not None:
        usable = np.intersect1d(usable, candidates)
    times = np.asarray(trades.times_ms, dtype=np.int64)
    usable = usable[times[usable] + horizon_ms <= times[-1]]
    if not len(signals) or not usable.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=int)
    picks = rng.choice(usable, size=len(signals) * draws)
    directions = np.repeat([s.direction for s in signals], draws)
    fake = [Signal("random", int(i), int(d), float(in_force[i]))
            for i, d in zip(picks, directions, strict=True)]
    return picks, evaluate(trades, fake, horizon_ms)
