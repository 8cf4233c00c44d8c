"""Forecast realised variance from 1m returns, and the odds of a one-threshold move.

Realised variance (RV) over the next h minutes is the sum of the squared 1m log returns of the
bars t + 1 … t + h. At the close of bar t the forecast is a log-HAR (Corsi's heterogeneous
autoregression in logs) around the daily level, with the time of day:

    log(RV_h / h) − log D = θ_h · [1, log(W / D), log(H / D), sin, cos of 2π and 4π τ]

where W, H and D are the mean squared 1m return of the last 5, 60 and 1,440 bars (fewer while
the history is shorter) and τ the time of day at the middle of the forecast window. θ_h is
fitted by recursive least squares with a seven-day half-life, one update per bar as each
target becomes known (h bars later), so every forecast uses only returns already seen: a
walk-forward refit at every bar. The forecast of RV itself is ``h · exp(fitted log + s²/2)``,
with s² the running variance of the fit's errors (the log-normal correction).

The move odds are the probability that price reaches close · (1 ± thr) within 5 bars, with
thr the dynamic threshold in force (``core/threshold.py``): the trend model's "not neither".
It is read from a calibration table of past outcomes binned by z = log(thr² / RV_5 forecast),
counts fading with the same half-life, each bin shrunk towards the overall rate.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import astuple, dataclass, replace
from itertools import islice
from typing import Any

import numpy as np

from omega_tasks.core.types import MINUTE_MS, Bar

HORIZONS = (5, 15, 60)
DAY_MS = 86_400_000
FLOOR = 1e-10  # (0.1 bp)²: a flat minute's squared return, so logs stay finite
HAR_BARS = (5, 60, 1440)


@dataclass(frozen=True, slots=True)
class ForecastParams:
    """Defaults of the forecast; half-lives are in updates (bars)."""

    half_life_bars: int = 10_080  # seven days
    warmup_bars: int = 1440  # a day: the daily component and the first fits
    move_bars: int = 5
    prior_variance: float = 1.0
    shrink_rows: float = 20.0
    z_edges: tuple[float, ...] = tuple(float(x) for x in np.linspace(-3.0, 5.0, 33))

    @property
    def forget(self) -> float:
        return math.exp(-math.log(2.0) / self.half_life_bars)


def squared_return(close: float, previous: float) -> float:
    """The squared log return of a bar, floored."""
    if close > 0 and previous > 0:
        r = math.log(close / previous)
        return max(r * r, FLOOR)
    return FLOOR


def seasonal(time_ms: float) -> list[float]:
    """The time of day as two harmonics."""
    tau = 2.0 * math.pi * (time_ms % DAY_MS) / DAY_MS
    return [math.sin(tau), math.cos(tau), math.sin(2 * tau), math.cos(2 * tau)]


def features(row: list[float], h: int) -> np.ndarray:
    """The regressors of a bar's row for horizon h: the HAR ratios and the time of day at
    the middle of the next h minutes."""
    middle = row[0] + MINUTE_MS + h * MINUTE_MS / 2
    return np.array([1.0, row[2], row[3], *seasonal(middle)])


class HarComponents:
    """The last day of squared 1m returns and their 5-, 60- and 1,440-bar means."""

    __slots__ = ("squares",)

    def __init__(self) -> None:
        self.squares: deque[float] = deque(maxlen=HAR_BARS[-1])

    def add(self, square: float) -> None:
        self.squares.append(square)

    def mean(self, bars: int) -> float:
        """Mean squared return over the last ``bars`` bars (what there is of them)."""
        return self.recent(bars) / min(bars, len(self.squares))

    def recent(self, bars: int) -> float:
        """The sum of the last ``bars`` squared returns."""
        return math.fsum(islice(reversed(self.squares), bars))


class RecursiveFit:
    """Least squares refitted one row at a time, older rows fading by ``forget`` per row."""

    __slots__ = ("coef", "cov", "errors", "forget", "rows")

    def __init__(self, size: int, forget: float, prior_variance: float) -> None:
        self.forget = forget
        self.coef = np.zeros(size)
        self.cov = np.eye(size) * prior_variance
        self.errors = 0.0  # faded mean of squared errors, before each update
        self.rows = 0

    def predict(self, x: np.ndarray) -> float:
        return float(self.coef @ x)

    def update(self, x: np.ndarray, y: float) -> None:
        error = y - self.predict(x)
        px = self.cov @ x
        gain = px / (self.forget + x @ px)
        self.coef = self.coef + gain * error
        self.cov = (self.cov - np.outer(gain, px)) / self.forget
        weight = 1.0 / (self.rows + 1) if self.rows < 1 / (1 - self.forget) else 1 - self.forget
        self.errors += weight * (error * error - self.errors)
        self.rows += 1

    def dump(self) -> list[Any]:
        return [self.forget, self.coef.tolist(), self.cov.tolist(), self.errors, self.rows]

    @classmethod
    def load(cls, data: list[Any]) -> RecursiveFit:
        fit = cls(len(data[1]), data[0], 1.0)
        fit.coef, fit.cov = np.array(data[1]), np.array(data[2])
        fit.errors, fit.rows = data[3], data[4]
        return fit


class MoveOdds:
    """How often a one-threshold move followed, by bin of z, counts fading per outcome."""

    __slots__ = ("edges", "forget", "moves", "shrink", "total")

    def __init__(self, edges: tuple[float, ...], forget: float, shrink: float) -> None:
        self.edges = edges
        self.forget = forget
        self.shrink = shrink
        self.moves = [0.0] * (len(edges) + 1)
        self.total = [0.0] * (len(edges) + 1)

    def _bin(self, z: float) -> int:
        return int(np.searchsorted(self.edges, z, side="right"))

    def add(self, z: float, moved: bool) -> None:
        self.moves = [m * self.forget for m in self.moves]
        self.total = [n * self.forget for n in self.total]
        b = self._bin(z)
        self.moves[b] += float(moved)
        self.total[b] += 1.0

    @property
    def seen(self) -> float:
        return math.fsum(self.total)

    def probability(self, z: float) -> float:
        """P(move) for z: the bin's rate shrunk towards the overall one (NaN before any)."""
        total = self.seen
        if total <= 0:
            return math.nan
        overall = math.fsum(self.moves) / total
        b = self._bin(z)
        return (self.moves[b] + self.shrink * overall) / (self.total[b] + self.shrink)

    def dump(self) -> list[Any]:
        return [list(self.edges), self.forget, self.shrink, self.moves, self.total]

    @classmethod
    def load(cls, data: list[Any]) -> MoveOdds:
        odds = cls(tuple(data[0]), data[1], data[2])
        odds.moves, odds.total = list(data[3]), list(data[4])
        return odds


@dataclass(frozen=True, slots=True)
class Forecast:
    """What the forecast says at the close of a bar; variances are of fractions of price."""

    bar_open_ms: int
    rv: tuple[float, ...]  # per horizon in HORIZONS, NaN until the first bar's return
    p_move: float  # NaN without a threshold or any outcome yet
    z: float


class VolatilityForecaster:
    """The forecast and the move odds, folded over closed 1m bars with the threshold in force."""

    __slots__ = ("components", "fits", "last_close", "odds", "params", "pending", "rows")

    def __init__(self, params: ForecastParams | None = None) -> None:
        self.params = params = params or ForecastParams()
        self.components = HarComponents()
        self.fits = [RecursiveFit(7, params.forget, params.prior_variance) for _ in HORIZONS]
        self.odds = MoveOdds(params.z_edges, params.forget, params.shrink_rows)
        # per bar: [open ms, log D, log(W / D), log(H / D)], enough to rebuild its features
        self.rows: deque[list[float]] = deque(maxlen=max(HORIZONS) + 1)
        self.pending: deque[list[float]] = deque()  # [close, thr, z, moved, age] per bar
        self.last_close = math.nan

    @property
    def bars(self) -> int:
        return len(self.components.squares)

    @property
    def warm(self) -> bool:
        return self.bars >= self.params.warmup_bars

    def update(self, bar: Bar, threshold: float) -> Forecast:
        """Add a closed 1m bar and the threshold in force after it (NaN while cold)."""
        if not math.isnan(self.last_close):
            self.components.add(squared_return(bar.close, self.last_close))
            self._learn()
        self._settle_moves(bar)
        self.last_close = bar.close
        if not self.bars:
            return Forecast(bar.open_ms, (math.nan,) * len(HORIZONS), math.nan, math.nan)
        five, hour, day = (self.components.mean(n) for n in HAR_BARS)
        row = [bar.open_ms, math.log(day), math.log(five / day), math.log(hour / day)]
        self.rows.append(row)
        rv = [h * day * math.exp(fit.predict(features(row, h)) + fit.errors / 2)
              for h, fit in zip(HORIZONS, self.fits, strict=True)]
        z = p = math.nan
        if math.isfinite(threshold) and threshold > 0:
            z = math.log(threshold * threshold / rv[0])
            p = self.odds.probability(z)
            self.pending.append([bar.close, threshold, z, 0.0, 0.0])
        return Forecast(bar.open_ms, tuple(rv), p, z)

    def _learn(self) -> None:
        """Fit each horizon on the bar whose target the newest return completed."""
        squares = self.components
        for h, fit in zip(HORIZONS, self.fits, strict=True):
            if len(self.rows) < h:
                continue
            row = self.rows[-h]  # the bar h bars back: its next h returns are all in
            target = math.log(max(squares.recent(h) / h, FLOOR)) - row[1]
            fit.update(features(row, h), target)

    def _settle_moves(self, bar: Bar) -> None:
        """Mark the pending bars this bar moved a threshold from; score those now complete."""
        for entry in self.pending:
            close, thr = entry[0], entry[1]
            if bar.high >= close * (1 + thr) or bar.low <= close * (1 - thr):
                entry[3] = 1.0
            entry[4] += 1
        while self.pending and self.pending[0][4] >= self.params.move_bars:
            _, _, z, moved, _ = self.pending.popleft()
            self.odds.add(z, moved > 0)

    def dump(self) -> list[Any]:
        return [list(astuple(self.params)), list(self.components.squares),
                [f.dump() for f in self.fits], self.odds.dump(), list(self.rows),
                [list(p) for p in self.pending], self.last_close]

    @classmethod
    def load(cls, data: list[Any]) -> VolatilityForecaster:
        params = ForecastParams(*data[0])
        params = replace(params, z_edges=tuple(params.z_edges))  # msgpack gives lists
        forecaster = cls(params)
        forecaster.components.squares.extend(data[1])
        forecaster.fits = [RecursiveFit.load(f) for f in data[2]]
        forecaster.odds = MoveOdds.load(data[3])
        forecaster.rows.extend(list(r) for r in data[4])
        forecaster.pending.extend(list(p) for p in data[5])
        forecaster.last_close = data[6]
        return forecaster
