"""Streaming indicators, each a small state updated one value at a time.

Warm-up is explicit: an indicator's ``ready`` says whether it has seen enough values.
"""

from __future__ import annotations

import math
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
