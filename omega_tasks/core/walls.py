"""Liquidity pulled: large displayed size near the touch, withdrawn before price reached it.

At each sample of the book's top levels (the levels near the touch), a level whose size is
at or above the ``wall_quantile`` of the sizes seen at the top levels recently, and at least
``min_multiple`` times their median, is a **wall**, watched from then on. "Recently" is a
histogram of log sizes (quarter-octave bins) whose weights halve every ``half_life``
samples, warm after ``warm_levels`` sizes; a quantile is the upper edge of its bin. A wall
is **withdrawn** when a later sample shows it at most ``(1 − drop)`` of its size (or gone,
while its price is still inside the levels shown, or the touch has moved past it) although
the trades printed at or through its price since it appeared come to less than
``traded_max`` of its size: it was cancelled, not filled. **Liquidity pulled** fires at
the first trade that reaches a withdrawn wall's price within ``reach_ms`` of the sample
that showed it gone: the size shown there was not there when price came. ``direction`` is
the way price went to reach it (a bid pulled: down).

A wall the book no longer shows because price moved away (beyond the levels shown) is
forgotten; one that trades away is filled, not pulled.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass
from typing import Any

from omega_tasks.core.types import BookLevels, Finding

PULLED = "liquidity_pulled"
BID, ASK = 1, -1


@dataclass(frozen=True, slots=True)
class WallParams:
    """Defaults of the pulled-liquidity rule."""

    wall_quantile: float = 0.99
    min_multiple: float = 5.0
    drop: float = 0.75
    traded_max: float = 0.1
    reach_ms: int = 5_000
    half_life: int = 1_200  # samples (5 minutes at one per 250 ms)
    warm_levels: int = 200
    watched: int = 32  # walls watched per side at most


@dataclass(slots=True)
class Wall:
    """A large resting size at one price, and what traded at that price since it showed."""

    side: int
    price: float
    size: float
    quantile_size: float  # the size a wall needed when it showed
    seen_ms: int
    traded: float = 0.0
    pulled_ms: int = -1  # the sample that showed it withdrawn (-1: still there)
    left: float = 0.0  # the size still shown then

    def dump(self) -> list[Any]:
        return list(astuple(self))


class Walls:
    """Walls near the touch, and the rule on their withdrawal (see the module docstring)."""

    __slots__ = ("params", "pulled", "reach", "sizes", "walls")

    def __init__(self, params: WallParams | None = None) -> None:
        self.params = params or WallParams()
        self.sizes = SizeHistogram(self.params.half_life)
        self.walls: dict[tuple[int, float], Wall] = {}  # watched, by (side, price)
        self.pulled: list[Wall] = []  # withdrawn, waiting for price to come
        self.reach = (-math.inf, math.inf)  # a trade outside these touches a watched wall

    def on_book(self, book: BookLevels) -> None:
        """Take a sample: look for withdrawn walls, then for new ones."""
        shown = {BID: dict(book.bids), ASK: dict(book.asks)}
        for key, wall in list(self.walls.items()):
            levels = shown[wall.side]
            size = levels.get(wall.price)
            if size is None and not _inside(wall, levels):
                del self.walls[key]  # out of view: price moved away
            elif (size or 0.0) <= (1 - self.params.drop) * wall.size:
                del self.walls[key]
                if wall.traded < self.params.traded_max * wall.size:
                    wall.pulled_ms, wall.left = book.time_ms, size or 0.0
                    self.pulled.append(wall)
        self.pulled = [w for w in self.pulled if book.time_ms - w.pulled_ms <= self.params.reach_ms]
        self._find(book)
        self._bound()

    def _bound(self) -> None:
        """Cache the prices a trade must reach to touch a watched wall."""
        self.reach = (max((w.price for w in self.walls.values() if w.side == BID),
                          default=-math.inf),
                      min((w.price for w in self.walls.values() if w.side == ASK),
                          default=math.inf))

    def _find(self, book: BookLevels) -> None:
        p, sizes = self.params, self.sizes
        if sizes.total >= p.warm_levels:
            least = max(sizes.quantile(p.wall_quantile), p.min_multiple * sizes.quantile(0.5))
            for side, levels in ((BID, book.bids), (ASK, book.asks)):
                for price, size in levels:
                    if size >= least and (side, price) not in self.walls and \
                            sum(w.side == side for w in self.walls.values()) < p.watched:
                        self.walls[(side, price)] = Wall(side, price, size, least, book.time_ms)
        sizes.add([size for _, size in (*book.bids, *book.asks) if size > 0])

    def on_trade(self, time_ms: int, price: float, size: float) -> list[Finding] | None:
        """Count a trade at or through watched walls; fire for withdrawn walls it reaches."""
        if price <= self.reach[0] or price >= self.reach[1]:
            for wall in self.walls.values():
                if (price <= wall.price) if wall.side == BID else (price >= wall.price):
                    wall.traded += size
        if not self.pulled:
            return None
        found, waiting = [], []
        for wall in self.pulled:
            if time_ms - wall.pulled_ms > self.params.reach_ms:
                continue
            if (price <= wall.price) if wall.side == BID else (price >= wall.price):
                found.append(self._fired(wall, time_ms, price))
            else:
                waiting.append(wall)
        self.pulled = waiting
        return found or None

    def _fired(self, wall: Wall, time_ms: int, price: float) -> Finding:
        return Finding(PULLED, 0, time_ms, {
            "direction": -wall.side,
            "side": "bid" if wall.side == BID else "ask",
            "level": wall.price,
            "size": wall.size,
            "wall_size": wall.quantile_size,
            "left": wall.left,
            "traded_at_level": wall.traded,
            "shown_ms": wall.seen_ms,
            "pulled_ms": wall.pulled_ms,
            "lead_ms": time_ms - wall.pulled_ms,
            "reached_price": price,
        }, key=f"{wall.side}:{wall.price}")

    def view(self) -> list[dict[str, Any]]:
        return [{"side": "bid" if w.side == BID else "ask", "price": w.price, "size": w.size,
                 "since_ms": w.seen_ms} for w in self.walls.values()]

    def dump(self) -> list[Any]:
        return [list(astuple(self.params)), self.sizes.dump(),
                [w.dump() for w in self.walls.values()], [w.dump() for w in self.pulled]]

    @classmethod
    def load(cls, data: list[Any]) -> Walls:
        walls = cls(WallParams(*data[0]))
        walls.sizes = SizeHistogram.load(data[1])
        for row in data[2]:
            wall = Wall(*row)
            walls.walls[(wall.side, wall.price)] = wall
        walls.pulled = [Wall(*row) for row in data[3]]
        walls._bound()
        return walls


class SizeHistogram:
    """Counts of log2 sizes in quarter-octave bins, each weight halving every ``half_life``
    additions of a batch of sizes: a recent distribution in constant room."""

    __slots__ = ("decay", "total", "weights")

    LOWEST, STEPS = -20.0, 4  # bin 0 holds sizes below 2**-20; 4 bins per octave
    BINS = 160

    def __init__(self, half_life: int) -> None:
        self.decay = 0.5 ** (1 / half_life)
        self.weights = [0.0] * self.BINS
        self.total = 0.0

    def add(self, sizes: list[float]) -> None:
        decay, weights = self.decay, self.weights
        for i in range(self.BINS):
            weights[i] *= decay
        for size in sizes:
            weights[self._bin(size)] += 1.0
        self.total = self.total * decay + len(sizes)

    def quantile(self, q: float) -> float:
        """The upper edge of the bin where the share ``q`` of the weight is reached."""
        target, seen = q * self.total, 0.0
        for i, weight in enumerate(self.weights):
            seen += weight
            if seen >= target:
                return float(2 ** (self.LOWEST + (i + 1) / self.STEPS))
        return math.inf

    def _bin(self, size: float) -> int:
        index = int((math.log2(size) - self.LOWEST) * self.STEPS)
        return min(max(index, 0), self.BINS - 1)

    def dump(self) -> list[Any]:
        return [self.decay, self.total, list(self.weights)]

    @classmethod
    def load(cls, data: list[Any]) -> SizeHistogram:
        made = cls(1)
        made.decay, made.total, made.weights = data[0], data[1], list(data[2])
        return made


def _inside(wall: Wall, levels: dict[float, float]) -> bool:
    """Whether a wall's price lies within the levels shown of its side, or past its best
    (the touch moved past it): either way its absence means nothing rests there."""
    if not levels:
        return False
    return wall.price >= min(levels) if wall.side == BID else wall.price <= max(levels)
