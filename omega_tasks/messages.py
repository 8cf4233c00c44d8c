"""Messages between Omega's processes: frozen, versioned, explicit encode/decode.

Batches travel as msgpack (one blob is both the tick-stream entry and the task argument),
carrying the 1m bars their trades close, so no worker builds bars again;
events are JSON, so any consumer can read them from Redis or the pub/sub channel.
A decode failure raises DecodeError carrying the raw bytes.
"""

from __future__ import annotations

import bisect
import json
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgpack

from omega_tasks.core.types import Bar, BookLevels, Finding, Liquidation, TopOfBook, Trades
from omega_tasks.errors import DecodeError

BATCH_VERSION = 3  # 1: no bars (decoded with bars None); 2: no quotes or book levels
EVENT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Tick:
    """One trade as received from an exchange.

    ``side`` is +1 when the buyer was the aggressor, -1 when the seller was.
    """

    exchange: str
    symbol: str
    trade_id: int
    price: float
    size: float
    side: int
    exchange_ms: int
    received_ns: int
    backfilled: bool = False


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive trades of one symbol, in trade order, with what came alongside them.

    ``bars`` are the closed 1m bars the trades close, each with the id of the trade that
    closed it, as the feeder's clock closed them; None when not known (a batch stored before
    batches carried bars, or built from bare ticks): a fold then closes bars itself.
    ``quotes`` and ``books`` are the top of book and the book's top levels that arrived
    among the trades, each placed before the trade that followed it.
    """

    exchange: str
    symbol: str
    trades: Trades
    received_ns: tuple[int, ...]
    backfilled: tuple[int, ...] = ()
    liquidations: tuple[Liquidation, ...] = ()
    bars: tuple[tuple[int, Bar], ...] | None = None
    quotes: tuple[TopOfBook, ...] = ()
    books: tuple[BookLevels, ...] = ()
    version: int = BATCH_VERSION

    def __post_init__(self) -> None:
        if len(self.received_ns) != len(self.trades):
            raise ValueError("received_ns and trades differ in length")

    @classmethod
    def of(
        cls, ticks: Sequence[Tick], liquidations: Sequence[Liquidation] = (),
        quotes: Sequence[TopOfBook] = (), books: Sequence[BookLevels] = (),
    ) -> Batch:
        """Build a batch from ticks of one symbol, already in trade order."""
        first = ticks[0]
        trades = Trades(
            tuple(t.trade_id for t in ticks),
            tuple(t.exchange_ms for t in ticks),
            tuple(t.price for t in ticks),
            tuple(t.size for t in ticks),
            tuple(t.side for t in ticks),
        )
        return cls(
            first.exchange,
            first.symbol,
            trades,
            tuple(t.received_ns for t in ticks),
            tuple(t.trade_id for t in ticks if t.backfilled),
            tuple(liquidations),
            quotes=tuple(quotes),
            books=tuple(books),
        )

    @classmethod
    def joined(cls, stored: Sequence[Batch], first_id: int, last_id: int) -> Batch:
        """Join consecutive batches of one symbol and keep the trades with ids in
        [first_id, last_id], with what is placed among them and the bars they close (None
        if a part was stored without bars)."""
        trades = Trades.concat([b.trades for b in stored])
        lo = bisect.bisect_left(trades.ids, first_id)
        hi = bisect.bisect_left(trades.ids, last_id + 1)

        def among(items: Iterable[Any]) -> tuple[Any, ...]:
            return tuple(x for x in items if first_id <= x.before_trade_id <= last_id)

        bars = (None if any(b.bars is None for b in stored)
                else tuple(c for b in stored for c in b.bars or () if first_id <= c[0] <= last_id))
        return cls(stored[0].exchange, stored[0].symbol, trades[lo:hi],
                   tuple(r for b in stored for r in b.received_ns)[lo:hi],
                   liquidations=among(q for b in stored for q in b.liquidations), bars=bars,
                   quotes=among(q for b in stored for q in b.quotes),
                   books=among(d for b in stored for d in b.books))

    def __len__(self) -> int:
        return len(self.trades)

    @property
    def first_id(self) -> int:
        return self.trades.first_id

    @property
    def last_id(self) -> int:
        return self.trades.last_id

    def encode(self) -> bytes:
        t = self.trades
        packed: bytes = msgpack.packb(
            {
                "v": self.version, "x": self.exchange, "s": self.symbol,
                "i": t.ids, "t": t.times_ms, "p": t.prices, "q": t.sizes, "a": t.sides,
                "r": self.received_ns, "b": self.backfilled,
                "l": [[q.time_ms, q.side, q.price, q.size, q.before_trade_id]
                      for q in self.liquidations],
                "c": None if self.bars is None
                else [[closed_by, *bar.dump()] for closed_by, bar in self.bars],
                "k": _quote_columns(self.quotes),
                "d": [_flat_book(b) for b in self.books],
            }
        )
        return packed

    @classmethod
    def decode(cls, raw: bytes) -> Batch:
        """Decode a batch; raise DecodeError (with the raw bytes) if it is not one."""
        try:
            data = msgpack.unpackb(raw, use_list=False, strict_map_key=True)
            if not isinstance(data, dict):
                raise TypeError("not a map")
            version = data.get("v")
            if version not in (1, 2, BATCH_VERSION):
                raise DecodeError(f"unsupported batch version {version!r}", raw)
            trades = Trades(
                _ints(data["i"]), _ints(data["t"]), _floats(data["p"]),
                _floats(data["q"]), _ints(data["a"]),
            )
            if not len(trades):
                raise ValueError("empty batch")
            if not all(map(operator.lt, trades.ids, trades.ids[1:])):
                raise ValueError("trade ids not increasing")
            return cls(
                _text(data["x"]), _text(data["s"]), trades, _ints(data["r"]),
                _ints(data["b"]),
                tuple(Liquidation(int(q[0]), int(q[1]), float(q[2]), float(q[3]), int(q[4]))
                      for q in data["l"]),
                _bars(data["c"]) if version >= 2 and data["c"] is not None else None,
                _quotes(data["k"]) if version >= 3 else (),
                _books(data["d"]) if version >= 3 else (),
            )
        except DecodeError:
            raise
        except Exception as exc:
            raise DecodeError(f"undecodable batch: {exc}", bytes(raw)) from None


def _bars(rows: Any) -> tuple[tuple[int, Bar], ...]:
    return tuple((int(r[0]), Bar(int(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]),
                                 float(r[6]), float(r[7]), int(r[8]), int(r[9]), int(r[10]),
                                 int(r[11])))
                 for r in rows)


def _quote_columns(quotes: Sequence[TopOfBook]) -> list[list[Any]]:
    """Quotes as six columns (time, bid, bid size, ask, ask size, before trade id)."""
    return [[q.time_ms for q in quotes], [q.bid for q in quotes], [q.bid_size for q in quotes],
            [q.ask for q in quotes], [q.ask_size for q in quotes],
            [q.before_trade_id for q in quotes]]


def _quotes(columns: Any) -> tuple[TopOfBook, ...]:
    times, bids, bid_sizes, asks, ask_sizes, before = columns
    return tuple(map(TopOfBook, _ints(times), _floats(bids), _floats(bid_sizes), _floats(asks),
                     _floats(ask_sizes), _ints(before)))


def _flat_book(book: BookLevels) -> list[Any]:
    """A book sample as one flat list: time, synced, before trade id, bid count, then the
    bids' and asks' prices and sizes in turn."""
    flat: list[Any] = [book.time_ms, book.synced, book.before_trade_id, len(book.bids)]
    for price, size in (*book.bids, *book.asks):
        flat += (price, size)
    return flat


def _books(rows: Any) -> tuple[BookLevels, ...]:
    out = []
    for r in rows:
        levels = tuple(zip(map(float, r[4::2]), map(float, r[5::2]), strict=True))
        out.append(BookLevels(int(r[0]), levels[:r[3]], levels[r[3]:], bool(r[1]), int(r[2])))
    return tuple(out)


def _ints(values: Any) -> tuple[int, ...]:
    if not isinstance(values, tuple) or not set(map(type, values)) <= {int}:
        raise TypeError("expected a list of integers")
    return values


def _floats(values: Any) -> tuple[float, ...]:
    if not isinstance(values, tuple) or not set(map(type, values)) <= {float}:
        raise TypeError("expected a list of floats")
    return values


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError("expected a name")
    return value


@dataclass(frozen=True, slots=True)
class Event:
    """A finding of one detector at one trade, with its deterministic id and evidence."""

    id: str
    exchange: str
    symbol: str
    detector: str
    kind: str
    trade_id: int
    time_ms: int
    evidence: dict[str, Any] = field(default_factory=dict)
    version: int = EVENT_VERSION

    @classmethod
    def of(cls, exchange: str, symbol: str, detector: str, finding: Finding) -> Event:
        """Name a finding: the id depends only on where and what, so reruns repeat it."""
        parts = [exchange, symbol, detector, finding.kind, str(finding.trade_id)]
        if finding.key:
            parts.append(finding.key)
        return cls(
            ":".join(parts), exchange, symbol, detector, finding.kind,
            finding.trade_id, finding.time_ms, _plain(dict(finding.evidence)),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": self.version, "id": self.id, "exchange": self.exchange,
                "symbol": self.symbol, "detector": self.detector, "kind": self.kind,
                "trade_id": self.trade_id, "time_ms": self.time_ms, "evidence": self.evidence,
            },
            separators=(",", ":"),
            sort_keys=True,
            allow_nan=False,
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Event:
        try:
            data = json.loads(raw)
            if data["v"] != EVENT_VERSION:
                raise ValueError(f"unsupported event version {data['v']!r}")
            return cls(
                data["id"], data["exchange"], data["symbol"], data["detector"], data["kind"],
                int(data["trade_id"]), int(data["time_ms"]), dict(data["evidence"]),
            )
        except Exception as exc:
            raw_bytes = raw.encode() if isinstance(raw, str) else bytes(raw)
            raise DecodeError(f"undecodable event: {exc}", raw_bytes) from None


def _plain(value: Any) -> Any:
    """Make evidence JSON-clean: tuples become lists, non-finite floats become None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return value


def snapshot_json(view: dict[str, Any]) -> str:
    """Encode an analysis view as JSON, with non-finite numbers as null."""
    return json.dumps(_plain(view), separators=(",", ":"), sort_keys=True, allow_nan=False)
