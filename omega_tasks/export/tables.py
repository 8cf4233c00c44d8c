"""The rows of each exported table, read from the store a page at a time.

Each table is a list of typed columns and a generator of pages (lists of row tuples). A
page is ``PAGE`` stream entries or sorted-set members, so memory does not grow with the range.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import msgpack

from omega_tasks.core.types import Bar
from omega_tasks.errors import InputError
from omega_tasks.export.bounds import Bound, Range
from omega_tasks.messages import Batch, Event
from omega_tasks.names import SymbolKeys
from omega_tasks.store import Store

PAGE = 500
TICK_PAGE = 8  # tick-stream entries are batches of up to OMEGA_BATCH_MAX trades each
Row = tuple[object, ...]
Entry = tuple[bytes, dict[bytes, bytes]]

# Column types: str, int, float, time (ms since the epoch, UTC), json (a nested value).
EVENTS = (("stream_id", "str"), ("id", "str"), ("exchange", "str"), ("symbol", "str"),
          ("detector", "str"), ("kind", "str"), ("trade_id", "int"), ("time", "time"),
          ("evidence", "json"))
TICKS = (("exchange", "str"), ("symbol", "str"), ("trade_id", "int"), ("time", "time"),
         ("price", "float"), ("size", "float"), ("side", "int"))
BARS = (("exchange", "str"), ("symbol", "str"), ("open_time", "time"), ("open", "float"),
        ("high", "float"), ("low", "float"), ("close", "float"), ("volume", "float"),
        ("buy_volume", "float"), ("trades", "int"), ("first_trade_id", "int"),
        ("last_trade_id", "int"))
STATE = (("exchange", "str"), ("symbol", "str"), ("analysis", "str"), ("last_trade_id", "int"),
         ("view", "json"))


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]


TABLES = {t.name: t for t in (Table("events", EVENTS), Table("ticks", TICKS),
                              Table("bars", BARS), Table("state", STATE))}


def pages(store: Store, table: str, symbols: list[SymbolKeys], span: Range) -> Iterator[list[Row]]:
    """Return the table's rows for the symbols in the range, a page at a time, in order;
    InputError at once if the range does not fit the table."""
    read = {"events": _events, "ticks": _ticks, "bars": _bars, "state": _state}[table]
    if table in ("bars", "state") and span.uses_ids:
        raise InputError(f"{table} have no stream ids: give --since/--until as times")
    if table == "state" and not span.is_open:
        raise InputError("state is the latest snapshot of each analysis: it takes no range")
    return (page for k in symbols for page in read(store, k, span))


def _stream(store: Store, key: str, span: Range, page: int = PAGE) -> Iterator[list[Entry]]:
    low, high = span.stream_bounds()
    while True:
        entries = store.redis.xrange(key, low, high, count=page)
        if not entries:
            return
        yield entries
        if len(entries) < page:
            return
        low = "(" + entries[-1][0].decode()


def _events(store: Store, k: SymbolKeys, span: Range) -> Iterator[list[Row]]:
    for entries in _stream(store, k.events, span):
        rows: list[Row] = []
        for entry_id, fields in entries:
            e = Event.from_json(fields[b"e"])
            if span.has_time(e.time_ms):
                rows.append((entry_id.decode(), e.id, e.exchange, e.symbol, e.detector, e.kind,
                             e.trade_id, e.time_ms, e.evidence))
        if rows:
            yield rows


def _ticks(store: Store, k: SymbolKeys, span: Range) -> Iterator[list[Row]]:
    """Ticks; stream ids here are trade ids (an entry is a batch keyed by its first trade)."""
    low_id = _trade_id(span.since.stream_id, 0)
    high_id = _trade_id(span.until.stream_id, 2**63)
    start = store.redis.xrevrange(k.ticks, f"{low_id}-0", "-", count=1) if low_id else []
    opened = Range(Bound(stream_id=start[0][0].decode()) if start else span.since, span.until)
    for entries in _stream(store, k.ticks, opened, TICK_PAGE):
        rows: list[Row] = []
        for _, fields in entries:
            t = Batch.decode(fields[b"b"]).trades
            rows += [(k.exchange, k.symbol, i, ms, p, q, s)
                     for i, ms, p, q, s in zip(t.ids, t.times_ms, t.prices, t.sizes, t.sides,
                                               strict=True)
                     if low_id <= i <= high_id and span.has_time(ms)]
        if rows:
            yield rows


def _trade_id(stream_id: str | None, default: int) -> int:
    return int(stream_id.split("-")[0]) if stream_id else default


def _bars(store: Store, k: SymbolKeys, span: Range) -> Iterator[list[Row]]:
    low = span.since.time_ms if span.since.time_ms is not None else "-inf"
    high = span.until.time_ms if span.until.time_ms is not None else "+inf"
    start = 0
    while True:
        raw = store.redis.zrangebyscore(k.bars, low, high, start=start, num=PAGE)
        if not raw:
            return
        bars = [Bar.load(msgpack.unpackb(b)) for b in raw]
        yield [(k.exchange, k.symbol, b.open_ms, b.open, b.high, b.low, b.close, b.volume,
                b.buy_volume, b.trades, b.first_id, b.last_id) for b in bars]
        start += len(raw)


def _state(store: Store, k: SymbolKeys, span: Range) -> Iterator[list[Row]]:
    rows: list[Row] = [(k.exchange, k.symbol, name, last_id, view)
                       for name, (last_id, view) in store.snapshots(k).items()]
    if rows:
        yield rows


def json_text(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
