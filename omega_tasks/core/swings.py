"""Swing points, emitted when they are confirmed, never at the pivot.

Fractal: bar i is a swing high when its high is above the highs of the ``k`` bars before it
and not below the highs of the ``k`` bars after it (mirror for lows). It becomes known when
bar i + k closes, and that is when it is emitted. ZigZag: an extreme becomes a swing when
price has since reversed by a volatility-scaled step, and is emitted at that bar's close.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from omega_tasks.core.types import Bar

HIGH: Literal["high"] = "high"
LOW: Literal["low"] = "low"


@dataclass(frozen=True, slots=True)
class Swing:
    """A confirmed swing point of one timeframe."""

    kind: str
    price: float
    pivot_ms: int
    confirmed_ms: int
    minutes: int = 1

    def dump(self) -> list[Any]:
        return [self.kind, self.price, self.pivot_ms, self.confirmed_ms, self.minutes]

    @classmethod
    def load(cls, data: list[Any]) -> Swing:
        return cls(*data)


class Fractal:
    """Centred fractal swings over closed bars, ``k`` bars each side."""

    __slots__ = ("bars", "k")

    def __init__(self, k: int = 3) -> None:
        self.k = k
        self.bars: deque[Bar] = deque(maxlen=2 * k + 1)

    def update(self, bar: Bar) -> list[Swing]:
        """Add a closed bar; return the swings its close confirms (0, 1 or 2)."""
        self.bars.append(bar)
        if len(self.bars) < 2 * self.k + 1:
            return []
        k = self.k
        bars = list(self.bars)
        pivot = bars[k]
        before, after = bars[:k], bars[k + 1 :]
        confirmed = bar.close_ms
        found = []
        if all(pivot.high > b.high for b in before) and all(pivot.high >= b.high for b in after):
            found.append(Swing(HIGH, pivot.high, pivot.open_ms, confirmed, pivot.minutes))
        if all(pivot.low < b.low for b in before) and all(pivot.low <= b.low for b in after):
            found.append(Swing(LOW, pivot.low, pivot.open_ms, confirmed, pivot.minutes))
        return found

    def dump(self) -> list[Any]:
        return [self.k, [b.dump() for b in self.bars]]

    @classmethod
    def load(cls, data: list[Any]) -> Fractal:
        fractal = cls(data[0])
        fractal.bars.extend(Bar.load(b) for b in data[1])
        return fractal


class ZigZag:
    """Swings that reversed by a volatility-scaled step: ``max(step_rate, m · ATR14 / close)``.

    In an up leg the highest high is tracked; when a bar's low falls a step below it, that
    high is a confirmed swing (emitted at this bar's close) and a down leg starts at the low.
    A bar is checked for a reversal against the earlier extreme before it extends the leg:
    inside one bar the order of high and low is unknown, and this way never assumes it.
    """

    __slots__ = ("direction", "extreme", "extreme_ms", "low", "low_ms", "m", "step_rate")

    def __init__(self, step_rate: float = 0.002, m: float = 3.0) -> None:
        self.step_rate = step_rate
        self.m = m
        self.direction = 0  # +1 up leg, -1 down leg, 0 before the first step
        self.extreme = math.nan  # the leg's extreme (before the first step: the highest high)
        self.extreme_ms = 0
        self.low = math.nan  # before the first step only: the lowest low
        self.low_ms = 0

    def step(self, close: float, atr: float) -> float:
        """Return the reversal that confirms a swing, as a fraction of price."""
        scaled = self.m * atr / close if close > 0 and math.isfinite(atr) else 0.0
        return max(self.step_rate, scaled)

    def update(self, bar: Bar, atr: float) -> list[Swing]:
        """Add a closed bar with the ATR in force; return the swing it confirms, if any."""
        step = self.step(bar.close, atr)
        if self.direction == 0:
            return self._start(bar, step)
        if self.direction > 0:
            if bar.low <= self.extreme * (1.0 - step):
                swing = Swing(HIGH, self.extreme, self.extreme_ms, bar.close_ms, bar.minutes)
                self.direction, self.extreme, self.extreme_ms = -1, bar.low, bar.open_ms
                return [swing]
            if bar.high > self.extreme:
                self.extreme, self.extreme_ms = bar.high, bar.open_ms
            return []
        if bar.high >= self.extreme * (1.0 + step):
            swing = Swing(LOW, self.extreme, self.extreme_ms, bar.close_ms, bar.minutes)
            self.direction, self.extreme, self.extreme_ms = 1, bar.high, bar.open_ms
            return [swing]
        if bar.low < self.extreme:
            self.extreme, self.extreme_ms = bar.low, bar.open_ms
        return []

    def _start(self, bar: Bar, step: float) -> list[Swing]:
        """Before the first step: the first full step from the range's far end sets the leg."""
        if math.isnan(self.extreme):
            self.extreme, self.extreme_ms = bar.high, bar.open_ms
            self.low, self.low_ms = bar.low, bar.open_ms
            return []
        if bar.high >= self.low * (1.0 + step) and self.low_ms < bar.open_ms:
            swing = Swing(LOW, self.low, self.low_ms, bar.close_ms, bar.minutes)
            self.direction, self.extreme, self.extreme_ms = 1, bar.high, bar.open_ms
            return [swing]
        if bar.low <= self.extreme * (1.0 - step) and self.extreme_ms < bar.open_ms:
            swing = Swing(HIGH, self.extreme, self.extreme_ms, bar.close_ms, bar.minutes)
            self.direction, self.extreme, self.extreme_ms = -1, bar.low, bar.open_ms
            return [swing]
        if bar.high > self.extreme:
            self.extreme, self.extreme_ms = bar.high, bar.open_ms
        if bar.low < self.low:
            self.low, self.low_ms = bar.low, bar.open_ms
        return []

    def dump(self) -> list[Any]:
        return [self.step_rate, self.m, self.direction, self.extreme, self.extreme_ms,
                self.low, self.low_ms]

    @classmethod
    def load(cls, data: list[Any]) -> ZigZag:
        zigzag = cls(data[0], data[1])
        (zigzag.direction, zigzag.extreme, zigzag.extreme_ms, zigzag.low,
         zigzag.low_ms) = data[2:]
        return zigzag
