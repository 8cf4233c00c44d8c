"""What price can touch (a zone, or a level in no zone) and the wait for a reaction after it.

A reaction is a move of one threshold away from the touched target on the side price came
from, before the watch's deadline. ``Reactions`` keeps the lowest and highest price since its
last watch began, shared by all its watches, and a band of prices (``down``, ``up``) and a
time (``due_ms``) within which a trade changes nothing: it reaches no reaction price and makes
no new extreme a watch cares about. A caller skips such trades; a new extreme costs a few
comparisons; only a reaction or a new watch looks watch by watch.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import astuple, dataclass
from typing import Any

from omega_tasks.core.fibonacci import Zone


@dataclass(frozen=True, slots=True)
class Target:
    """What price can touch: a zone, or a level outside every zone."""

    key: str
    kind: str
    lo: float
    hi: float
    ratios: tuple[float, ...]
    timeframes: tuple[str, ...]
    score: float

    @property
    def label(self) -> str:
        """A short name, unique among the targets one trade can touch."""
        if self.kind == "level":
            return f"{self.timeframes[0]}:{self.ratios[0]:g}"
        return f"zone:{zlib.crc32(self.key.encode()):08x}"

    @classmethod
    def of_zone(cls, zone: Zone) -> Target:
        return cls(zone.key, "zone", zone.lo, zone.hi, zone.ratios, zone.timeframes, zone.score)


class Watch:
    """A touched target waiting for its reaction; ``best``/``worst`` are moves away from it."""

    __slots__ = ("best", "deadline_ms", "ref", "side", "target", "threshold", "trade_id", "worst")

    def __init__(self, target: Target, side: int, ref: float, threshold: float,
                 deadline_ms: int, trade_id: int, best: float = -math.inf,
                 worst: float = math.inf) -> None:
        self.target, self.side, self.ref, self.threshold = target, side, ref, threshold
        self.deadline_ms, self.trade_id, self.best, self.worst = deadline_ms, trade_id, best, worst

    @property
    def reaction_price(self) -> float:
        return self.ref + self.side * self.threshold

    def see(self, low: float, high: float) -> None:
        """Fold in the lowest and highest price traded since the last look."""
        if self.side > 0:
            self.best = max(self.best, high - self.ref)
            self.worst = min(self.worst, low - self.ref)
        else:
            self.best = max(self.best, self.ref - low)
            self.worst = min(self.worst, self.ref - high)

    def dump(self) -> list[Any]:
        return [list(astuple(self.target)), self.side, self.ref, self.threshold,
                self.deadline_ms, self.trade_id, self.best, self.worst]

    @classmethod
    def load(cls, data: list[Any]) -> Watch:
        key, kind, lo, hi, ratios, frames, score = data[0]
        return cls(Target(key, kind, lo, hi, tuple(ratios), tuple(frames), score), *data[1:])


class Reactions:
    """Open watches; ``update`` takes a trade and returns the watches that reacted.

    A trade strictly inside (``down``, ``up``) and before ``due_ms`` changes nothing, so
    callers may skip it; every other trade must be fed. A new watch starts from the next trade.
    """

    __slots__ = ("down", "due_ms", "high", "longs", "low", "react_down", "react_up", "shorts",
                 "up", "watches")

    def __init__(self) -> None:
        self.watches: list[Watch] = []
        self.low, self.high = math.inf, -math.inf
        self._arm()

    def watch(self, w: Watch) -> None:
        """Start watching from the next trade on."""
        self._look()
        self.watches.append(w)
        self._arm()

    def update(self, time_ms: int, price: float) -> list[Watch]:
        if time_ms >= self.due_ms:  # a deadline passed: this trade is too late for those
            self.watches = [w for w in self.watches if time_ms < w.deadline_ms]
            self._arm()
        elif self.down < price < self.up:
            return []
        if price < self.low:
            self.low = price
        if price > self.high:
            self.high = price
        if self.react_down < price < self.react_up:
            self._band()
            return []
        self._look()
        reacted = [w for w in self.watches if w.best >= w.threshold]
        if reacted:
            self.watches = [w for w in self.watches if w.best < w.threshold]
        self._arm()
        return reacted

    def _look(self) -> None:
        """Fold the extremes into every watch and start them afresh."""
        if self.high >= self.low:
            for w in self.watches:
                w.see(self.low, self.high)
        self.low, self.high = math.inf, -math.inf

    def _arm(self) -> None:
        """Note the nearest reaction prices (a hair inside, against rounding), which sides
        are watched, and the nearest deadline."""
        ups = [w.reaction_price for w in self.watches if w.side > 0]
        downs = [w.reaction_price for w in self.watches if w.side < 0]
        self.react_up = min(ups) * (1 - 1e-12) if ups else math.inf
        self.react_down = max(downs) * (1 + 1e-12) if downs else -math.inf
        self.longs, self.shorts = bool(ups), bool(downs)
        self.due_ms = min((w.deadline_ms for w in self.watches), default=2**62)
        self._band()

    def _band(self) -> None:
        """Quiet prices: short of every reaction, and inside the extremes a watch cares about
        (one waiting for a rise keeps the lowest price, one waiting for a fall the highest)."""
        low = self.low if self.longs else -math.inf
        high = self.high if self.shorts else math.inf
        self.down = low if low > self.react_down else self.react_down
        self.up = high if high < self.react_up else self.react_up

    def __len__(self) -> int:
        return len(self.watches)

    def dump(self) -> list[Any]:
        return [[w.dump() for w in self.watches], self.low, self.high]

    @classmethod
    def load(cls, data: list[Any]) -> Reactions:
        made = cls()
        made.watches = [Watch.load(w) for w in data[0]]
        made.low, made.high = data[1], data[2]
        made._arm()
        return made


def side_of(price: float, lo: float, hi: float) -> int:
    """+1 above the band, -1 below it, 0 inside (or unknown)."""
    if price > hi:
        return 1
    if price < lo:
        return -1
    return 0
