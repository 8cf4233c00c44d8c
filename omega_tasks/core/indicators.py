"""Streaming indicators, each a small state updated one value at a time.

Warm-up is explicit: an indicator's ``ready`` says whether it has seen enough values.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from omega_tasks.core.types import Bar


class Ewm:
    """Exponentially weighted mean and variance, alpha = 2 / (span + 1).

    Recursive, bias-uncorrected form: the first value seeds the mean with variance 0.
    """

    __slots__ = ("alpha", "mean", "n", "var")

    def __init__(self, span: float) -> None:
        self.alpha = 2.0 / (span + 1.0)
        self.mean = 0.0
        self.var = 0.0
        self.n = 0

    def update(self, x: float) -> None:
        if self.n == 0:
            self.mean = x
        else:
            diff = x - self.mean
            incr = self.alpha * diff
            self.mean += incr
            self.var = (1.0 - self.alpha) * (self.var + diff * incr)
        self.n += 1

    @property
    def std(self) -> float:
        return math.sqrt(self.var)

    def dump(self) -> list[Any]:
        return [self.alpha, self.mean, self.var, self.n]

    @classmethod
    def load(cls, data: list[Any]) -> Ewm:
        ewm = cls(1.0)
        ewm.alpha, ewm.mean, ewm.var, ewm.n = data
        return ewm


class Wilder:
    """Wilder's moving average (RMA): seeded with the mean of the first ``period`` values."""

    __slots__ = ("n", "period", "total", "value")

    def __init__(self, period: int) -> None:
        self.period = period
        self.n = 0
        self.total = 0.0
        self.value = math.nan

    def update(self, x: float) -> float:
        if self.n < self.period:
            self.total += x
            self.n += 1
            if self.n == self.period:
                self.value = self.total / self.period
        else:
            self.value += (x - self.value) / self.period
        return self.value

    @property
    def ready(self) -> bool:
        return self.n >= self.period

    def dump(self) -> list[Any]:
        return [self.period, self.n, self.total, self.value]

    @classmethod
    def load(cls, data: list[Any]) -> Wilder:
        rma = cls(data[0])
        _, rma.n, rma.total, rma.value = data
        return rma


def true_range(bar: Bar, prev_close: float | None) -> float:
    """Return the bar's true range given the previous close (None for the first bar)."""
    if prev_close is None:
        return bar.high - bar.low
    return max(bar.high - bar.low, abs(bar.high - prev_close), abs(bar.low - prev_close))


class Atr:
    """Average true range with Wilder smoothing; ready after ``period`` bars."""

    __slots__ = ("prev_close", "rma")

    def __init__(self, period: int = 14) -> None:
        self.rma = Wilder(period)
        self.prev_close: float | None = None

    def update(self, bar: Bar) -> float:
        value = self.rma.update(true_range(bar, self.prev_close))
        self.prev_close = bar.close
        return value

    @property
    def value(self) -> float:
        return self.rma.value

    @property
    def ready(self) -> bool:
        return self.rma.ready

    def dump(self) -> list[Any]:
        return [self.rma.dump(), self.prev_close]

    @classmethod
    def load(cls, data: list[Any]) -> Atr:
        atr = cls()
        atr.rma = Wilder.load(data[0])
        atr.prev_close = data[1]
        return atr


class Dmi:
    """Wilder's directional movement: DI+, DI− and ADX, all smoothed with his RMA.

    The first bar only seeds the previous bar. DI± are ready after ``period + 1`` bars and
    ADX, the RMA of DX, after ``2 · period`` bars (``warmup_bars``).
    """

    __slots__ = ("adx_rma", "minus", "period", "plus", "prev", "tr")

    def __init__(self, period: int = 14) -> None:
        self.period = period
        self.tr = Wilder(period)
        self.plus = Wilder(period)
        self.minus = Wilder(period)
        self.adx_rma = Wilder(period)
        self.prev: tuple[float, float, float] | None = None

    @property
    def warmup_bars(self) -> int:
        return 2 * self.period

    def update(self, bar: Bar) -> None:
        prev, self.prev = self.prev, (bar.high, bar.low, bar.close)
        if prev is None:
            return
        up = bar.high - prev[0]
        down = prev[1] - bar.low
        self.tr.update(true_range(bar, prev[2]))
        self.plus.update(up if up > down and up > 0.0 else 0.0)
        self.minus.update(down if down > up and down > 0.0 else 0.0)
        if self.tr.ready:
            plus, minus = self.plus_di, self.minus_di
            total = plus + minus
            self.adx_rma.update(100.0 * abs(plus - minus) / total if total > 0.0 else 0.0)

    @property
    def di_ready(self) -> bool:
        return self.tr.ready

    @property
    def plus_di(self) -> float:
        return 100.0 * self.plus.value / self.tr.value if self.tr.value > 0.0 else 0.0

    @property
    def minus_di(self) -> float:
        return 100.0 * self.minus.value / self.tr.value if self.tr.value > 0.0 else 0.0

    @property
    def ready(self) -> bool:
        return self.adx_rma.ready

    @property
    def adx(self) -> float:
        return self.adx_rma.value

    def dump(self) -> list[Any]:
        return [self.period, self.tr.dump(), self.plus.dump(), self.minus.dump(),
                self.adx_rma.dump(), list(self.prev) if self.prev else None]

    @classmethod
    def load(cls, data: list[Any]) -> Dmi:
        dmi = cls(data[0])
        dmi.tr, dmi.plus, dmi.minus, dmi.adx_rma = (Wilder.load(d) for d in data[1:5])
        dmi.prev = tuple(data[5]) if data[5] else None
        return dmi


class Chop:
    """Choppiness index: 100 · log10(Σ TR / (max high − min low)) / log10(period).

    Near 100 the last ``period`` bars went nowhere; near 0 they went one way. Each true range
    reaches back to the previous close, so it is ready after ``period + 1`` bars; a window
    with no range at all counts as fully choppy (100).
    """

    __slots__ = ("highs", "lows", "period", "prev_close", "ranges")

    def __init__(self, period: int = 14) -> None:
        self.period = period
        self.ranges: deque[float] = deque(maxlen=period)
        self.highs: deque[float] = deque(maxlen=period)
        self.lows: deque[float] = deque(maxlen=period)
        self.prev_close: float | None = None

    @property
    def warmup_bars(self) -> int:
        return self.period + 1

    def update(self, bar: Bar) -> None:
        if self.prev_close is not None:
            self.ranges.append(true_range(bar, self.prev_close))
            self.highs.append(bar.high)
            self.lows.append(bar.low)
        self.prev_close = bar.close

    @property
    def ready(self) -> bool:
        return len(self.ranges) == self.period

    @property
    def value(self) -> float:
        if not self.ready:
            return math.nan
        span = max(self.highs) - min(self.lows)
        total = sum(self.ranges)
        if span <= 0.0 or total <= 0.0:
            return 100.0
        return 100.0 * math.log10(total / span) / math.log10(self.period)

    def dump(self) -> list[Any]:
        return [self.period, list(self.ranges), list(self.highs), list(self.lows),
                self.prev_close]

    @classmethod
    def load(cls, data: list[Any]) -> Chop:
        chop = cls(data[0])
        chop.ranges.extend(data[1])
        chop.highs.extend(data[2])
        chop.lows.extend(data[3])
        chop.prev_close = data[4]
        return chop


class RealisedVol:
    """Realised volatility: √(Wilder RMA of squared log returns); ready after period + 1 bars."""

    __slots__ = ("prev_close", "rma")

    def __init__(self, period: int = 14) -> None:
        self.rma = Wilder(period)
        self.prev_close = math.nan

    def update(self, close: float) -> None:
        if self.prev_close > 0.0 and close > 0.0:
            r = math.log(close / self.prev_close)
            self.rma.update(r * r)
        self.prev_close = close

    @property
    def ready(self) -> bool:
        return self.rma.ready

    @property
    def value(self) -> float:
        return math.sqrt(self.rma.value) if self.rma.ready else math.nan

    def dump(self) -> list[Any]:
        return [self.rma.dump(), self.prev_close]

    @classmethod
    def load(cls, data: list[Any]) -> RealisedVol:
        vol = cls()
        vol.rma = Wilder.load(data[0])
        vol.prev_close = data[1]
        return vol


class TrailingRank:
    """Percentile rank of a value among samples of a trailing window.

    Keeps at most ``capacity`` samples, so a week of 1m values is sampled every few bars
    (the caller decides when); the rank is the share of samples below the value by more than
    rounding noise (a relative 1e-9), so a constant series never ranks above itself.
    Ready once ``min_samples`` are held.
    """

    __slots__ = ("min_samples", "samples")

    def __init__(self, capacity: int, min_samples: int) -> None:
        self.samples: deque[float] = deque(maxlen=capacity)
        self.min_samples = min_samples

    def add(self, value: float) -> None:
        self.samples.append(value)

    @property
    def ready(self) -> bool:
        return len(self.samples) >= self.min_samples

    def rank(self, value: float) -> float:
        """Return the share of samples below ``value`` (NaN until ready)."""
        if not self.ready:
            return math.nan
        below = value - abs(value) * 1e-9
        return sum(1 for s in self.samples if s < below) / len(self.samples)

    def dump(self) -> list[Any]:
        return [self.samples.maxlen, self.min_samples, list(self.samples)]

    @classmethod
    def load(cls, data: list[Any]) -> TrailingRank:
        rank = cls(data[0], data[1])
        rank.samples.extend(data[2])
        return rank
