"""Swing points, emitted when they are confirmed, never at the pivot.

Fractal: bar i is a swing high when its high is above the highs of the ``k`` bars before it
and not below the highs of the ``k`` bars after it (mirror for lows). It becomes known when
bar i + k closes, and that is when it is emitted.
"""

from __future__ import annotations

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
