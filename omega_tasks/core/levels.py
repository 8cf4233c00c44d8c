"""Swing levels waiting to be swept: the book the trap rules work on.

A level enters when its swing is confirmed and leaves exactly once: when it fires (a grab or
a trap), when the move beyond it holds or runs too far, when a sweep of it goes stale, or
when newer levels crowd it out. So each level fires at most once.

Phases: ``LIVE`` (untouched, or touched by less than ε), ``SWEEPING`` (a trade went beyond
L ± ε and no 1m bar has closed beyond it yet), ``BROKEN_OUT`` (a close went beyond L ± ε; a
close back inside within the trap window makes it a bull or bear trap).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from typing import Any

from omega_tasks.core.swings import HIGH, Swing

LIVE, SWEEPING, BROKEN_OUT = 0, 1, 2


@dataclass(slots=True)
class SwingLevel:
    """A confirmed swing's price, and the sweep of it in progress, if any.

    ``side`` is +1 for a swing high (swept upwards) and -1 for a swing low; ``beyond(p)`` is
    how far ``p`` lies past the level in the sweep's direction (negative: back inside).
    """

    side: int
    price: float
    pivot_ms: int
    confirmed_ms: int
    source: str
    minutes: int = 1
    phase: int = LIVE
    extreme: float = math.nan  # furthest trade beyond the level since the sweep began
    sweep_id: int = 0  # first trade beyond L ± ε
    sweep_ms: int = 0
    buy: float = 0.0  # aggressive volume since the sweep began, the trigger included
    sell: float = 0.0
    breakout_ms: int = 0  # open of the bar whose close went beyond L ± ε
    breakout_extreme: float = math.nan  # the extreme when that bar closed

    @classmethod
    def of(cls, swing: Swing, source: str) -> SwingLevel:
        side = 1 if swing.kind == HIGH else -1
        return cls(side, swing.price, swing.pivot_ms, swing.confirmed_ms, source, swing.minutes)

    def beyond(self, price: float) -> float:
        return self.side * (price - self.price)

    def start_sweep(self, trade_id: int, time_ms: int, price: float) -> None:
        self.phase = SWEEPING
        self.extreme = price
        self.sweep_id, self.sweep_ms = trade_id, time_ms

    def take(self, price: float, size: float, side: int) -> float:
        """Count one trade of the sweep (its volume, and the extreme); return ``beyond(price)``."""
        beyond = self.side * (price - self.price)
        if beyond > self.side * (self.extreme - self.price):
            self.extreme = price
        if side > 0:
            self.buy += size
        else:
            self.sell += size
        return beyond

    def swing(self) -> dict[str, Any]:
        """Describe the swing the level came from, for evidence."""
        return {"kind": "high" if self.side > 0 else "low", "source": self.source,
                "pivot_ms": self.pivot_ms, "confirmed_ms": self.confirmed_ms,
                "minutes": self.minutes}

    def dump(self) -> list[Any]:
        return list(astuple(self))

    @classmethod
    def load(cls, data: list[Any]) -> SwingLevel:
        return cls(*data)


class LevelBook:
    """The live levels of both sides, newest last, at most ``per_side`` of each."""

    __slots__ = ("levels", "per_side")

    def __init__(self, per_side: int = 8) -> None:
        self.per_side = per_side
        self.levels: list[SwingLevel] = []

    def add(self, level: SwingLevel) -> bool:
        """Add a level unless one of its side is already at that price; drop the oldest."""
        same = [x for x in self.levels if x.side == level.side]
        if any(x.price == level.price for x in same):
            return False
        self.levels.append(level)
        if len(same) + 1 > self.per_side:
            self.levels.remove(same[0])
        return True

    def remove(self, level: SwingLevel) -> None:
        self.levels.remove(level)

    def __iter__(self) -> Iterator[SwingLevel]:
        """Iterate over a copy, so a level may leave the book while iterating."""
        return iter(list(self.levels))

    def __len__(self) -> int:
        return len(self.levels)

    def dump(self) -> list[Any]:
        return [self.per_side, [x.dump() for x in self.levels]]

    @classmethod
    def load(cls, data: list[Any]) -> LevelBook:
        book = cls(data[0])
        book.levels = [SwingLevel.load(x) for x in data[1]]
        return book
