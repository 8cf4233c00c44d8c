"""The core's value types: trades in columns, bars, and findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class Trades:
    """Trades of one symbol in trade order, column by column.

    ``sides`` is +1 when the buyer was the aggressor and -1 when the seller was.
    """

    ids: tuple[int, ...] = ()
    times_ms: tuple[int, ...] = ()
    prices: tuple[float, ...] = ()
    sizes: tuple[float, ...] = ()
    sides: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.ids)
        if not all(len(c) == n for c in (self.times_ms, self.prices, self.sizes, self.sides)):
            raise ValueError("trade columns differ in length")

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def first_id(self) -> int:
        return self.ids[0]

    @property
    def last_id(self) -> int:
        return self.ids[-1]

    def rows(self) -> zip[tuple[int, int, float, float, int]]:
        """Iterate (id, time_ms, price, size, side) in trade order."""
        return zip(self.ids, self.times_ms, self.prices, self.sizes, self.sides, strict=True)

    def between(self, first_id: int, last_id: int) -> Trades:
        """Return the trades whose ids lie in [first_id, last_id]."""
        lo = _bisect(self.ids, first_id)
        hi = _bisect(self.ids, last_id + 1)
        return self[lo:hi]

    def __getitem__(self, index: slice) -> Trades:
        return Trades(
            self.ids[index],
            self.times_ms[index],
            self.prices[index],
            self.sizes[index],
            self.sides[index],
        )

    @staticmethod
    def concat(parts: list[Trades]) -> Trades:
        """Join trade runs that are already in trade order."""
        if len(parts) == 1:
            return parts[0]
        return Trades(
            tuple(i for p in parts for i in p.ids),
            tuple(t for p in parts for t in p.times_ms),
            tuple(x for p in parts for x in p.prices),
            tuple(q for p in parts for q in p.sizes),
            tuple(s for p in parts for s in p.sides),
        )

    @staticmethod
    def from_rows(rows: list[tuple[int, int, float, float, int]]) -> Trades:
        """Build columns from (id, time_ms, price, size, side) rows."""
        if not rows:
            return Trades()
        ids, times, prices, sizes, sides = zip(*rows, strict=True)
        return Trades(ids, times, prices, sizes, sides)


def _bisect(values: tuple[int, ...], target: int) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


@dataclass(frozen=True, slots=True)
class Bar:
    """One closed bar. ``first_id``/``last_id`` are 0 when the bar had no trades."""

    open_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    buy_volume: float
    trades: int = 0
    first_id: int = 0
    last_id: int = 0
    minutes: int = 1

    @property
    def sell_volume(self) -> float:
        return self.volume - self.buy_volume

    @property
    def close_ms(self) -> int:
        """The first millisecond after the bar."""
        return self.open_ms + self.minutes * MINUTE_MS

    def dump(self) -> list[Any]:
        return [
            self.open_ms, self.open, self.high, self.low, self.close, self.volume,
            self.buy_volume, self.trades, self.first_id, self.last_id, self.minutes,
        ]

    @classmethod
    def load(cls, data: list[Any]) -> Bar:
        return cls(*data)


@dataclass(frozen=True, slots=True)
class Liquidation:
    """A forced liquidation order reported by a futures exchange.

    ``side`` is the side of the liquidation order: -1 (a sell) closes a long, +1 a short.
    ``before_trade_id`` is the first trade that arrived after it: analyses see the
    liquidation just before that trade, wherever batch boundaries fall.
    """

    time_ms: int
    side: int
    price: float
    size: float
    before_trade_id: int


@dataclass(frozen=True, slots=True)
class TopOfBook:
    """The best bid and ask with their sizes, as they stood before ``before_trade_id``.

    ``time_ms`` is the exchange's time when it sends one, else the time it was received.
    """

    time_ms: int
    bid: float
    bid_size: float
    ask: float
    ask_size: float
    before_trade_id: int

    @property
    def spread(self) -> float:
        return self.ask - self.bid

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2

    @property
    def imbalance(self) -> float:
        """Queue imbalance, −1..1: (bid size − ask size) / (bid size + ask size)."""
        total = self.bid_size + self.ask_size
        return (self.bid_size - self.ask_size) / total if total > 0 else 0.0

    @property
    def microprice(self) -> float:
        """The mid leaned towards the thinner side: bid·ask size + ask·bid size over both."""
        total = self.bid_size + self.ask_size
        if total <= 0:
            return self.mid
        return (self.bid * self.ask_size + self.ask * self.bid_size) / total

    def dump(self) -> list[Any]:
        return [self.time_ms, self.bid, self.bid_size, self.ask, self.ask_size,
                self.before_trade_id]


@dataclass(frozen=True, slots=True)
class BookLevels:
    """The top levels of an order book, best first, as they stood before ``before_trade_id``.

    ``synced`` is False while the book is warmed from updates alone (no snapshot yet): then
    only the levels an update named are known, and a level missing here may still exist.
    """

    time_ms: int
    bids: tuple[tuple[float, float], ...]
    asks: tuple[tuple[float, float], ...]
    synced: bool
    before_trade_id: int

    def dump(self) -> list[Any]:
        return [self.time_ms, [list(b) for b in self.bids], [list(a) for a in self.asks],
                self.synced, self.before_trade_id]


@dataclass(frozen=True, slots=True)
class Finding:
    """Something an analysis found at a trade, with the evidence for it.

    ``key`` tells apart two findings of one kind triggered by the same trade.
    """

    kind: str
    trade_id: int
    time_ms: int
    evidence: Mapping[str, Any] = field(default_factory=dict)
    key: str = ""
