"""Coinbase Advanced Trade: ``market_trades``, ``ticker`` and ``level2``, with ``heartbeats``.

Trade ids are consecutive per product. A new subscription starts with a snapshot of recent
trades, so after a reconnect the repeats are dropped and short gaps close by themselves; a
longer gap is backfilled from the latest trades the REST ticker serves, as far as they reach.
Coinbase reports the maker's side of a public trade, so the aggressor is the other side.
The ``ticker`` channel carries the best bid and ask, stamped with the message's time.
``level2`` (read as ``l2_data``) starts with a whole book on the socket, then sends new sizes
per level; its ``sequence_num`` numbers every message of the connection, whatever the
channel, so updates are not chained by it (a reconnect brings a fresh snapshot).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from feeder.exchanges import Exchange
from feeder.exchanges.fields import (
    field,
    identifier,
    iso_ms,
    non_negative,
    normal_symbol,
    positive,
    text,
)
from feeder.sources import UNNUMBERED, DepthSnapshot, DepthUpdate, Item, Quote
from omega_tasks.core.types import MINUTE_MS, Bar
from omega_tasks.errors import InputError
from omega_tasks.messages import Tick

SKIPPED_CHANNELS = ("subscriptions", "heartbeats", "ticker_batch", "candles", "status")
SIDES = {"bid": 0, "offer": 1}
MAX_CANDLES = 350  # per request


class Coinbase(Exchange):
    """Coinbase Advanced Trade public market data."""

    name = "coinbase"

    def subscriptions(self, symbols: Sequence[str]) -> list[str]:
        products = list(symbols)
        return [
            json.dumps({"type": "subscribe", "product_ids": products,
                        "channel": "market_trades"}),
            json.dumps({"type": "subscribe", "product_ids": products, "channel": "ticker"}),
            *([json.dumps({"type": "subscribe", "product_ids": products, "channel": "level2"})]
              if self.books else []),
            json.dumps({"type": "subscribe", "channel": "heartbeats"}),
        ]

    def read(self, message: Any, received_ns: int) -> list[Item]:
        if not isinstance(message, dict):
            raise InputError(f"expected a JSON object, got {type(message).__name__}")
        if message.get("type") == "error":
            raise InputError(f"exchange error: {str(message.get('message'))[:200]}")
        channel = field(message, "channel")
        if channel in SKIPPED_CHANNELS or (channel == "l2_data" and not self.books):
            return []
        if channel not in ("market_trades", "ticker", "l2_data"):
            raise InputError(f"unknown message type {str(channel)[:40]!r}")
        events = field(message, "events")
        if not isinstance(events, list):
            raise InputError("events: expected a list")
        if channel in ("ticker", "l2_data"):
            time_ms = iso_ms(field(message, "timestamp"), "timestamp", received_ns)
            if channel == "ticker":
                return [self.quote(row, time_ms, received_ns)
                        for event in events for row in _rows(event, "tickers")]
            sequence = identifier(field(message, "sequence_num"), "sequence_num")
            return [self.depth(event, sequence, time_ms, received_ns) for event in events]
        ticks = [self.trade(row, received_ns)
                 for event in events for row in _rows(event, "trades")]
        ticks.sort(key=lambda t: (t.symbol, t.trade_id))  # a snapshot comes newest first
        return list(ticks)

    def trade(self, row: Any, received_ns: int, backfilled: bool = False) -> Tick:
        side = text(field(row, "side"), "side")
        if side not in ("BUY", "SELL"):
            raise InputError(f"side: expected BUY or SELL, got {side[:20]!r}")
        return Tick(
            self.name,
            normal_symbol(text(field(row, "product_id"), "product_id")),
            identifier(field(row, "trade_id"), "trade_id"),
            positive(field(row, "price"), "price"),
            positive(field(row, "size"), "size"),
            1 if side == "SELL" else -1,  # the maker sold: a buyer took it
            iso_ms(field(row, "time"), "time", received_ns),
            received_ns,
            backfilled,
        )

    def quote(self, row: Any, time_ms: int, received_ns: int) -> Quote:
        return Quote(
            self.name,
            normal_symbol(text(field(row, "product_id"), "product_id")),
            positive(field(row, "best_bid"), "best_bid"),
            non_negative(field(row, "best_bid_quantity"), "best_bid_quantity"),
            positive(field(row, "best_ask"), "best_ask"),
            non_negative(field(row, "best_ask_quantity"), "best_ask_quantity"),
            received_ns,
            time_ms,
        )

    def depth(self, event: Any, sequence: int, time_ms: int,
              received_ns: int) -> DepthSnapshot | DepthUpdate:
        """One ``l2_data`` event: a whole book (``snapshot``) or new sizes (``update``)."""
        kind = field(event, "type")
        if kind not in ("snapshot", "update"):
            raise InputError(f"l2_data type: expected snapshot or update, got {str(kind)[:20]!r}")
        symbol = normal_symbol(text(field(event, "product_id"), "product_id"))
        sides: tuple[list[tuple[float, float]], list[tuple[float, float]]] = ([], [])
        for row in _rows(event, "updates"):
            side = SIDES.get(field(row, "side"))
            if side is None:
                raise InputError(f"side: expected bid or offer, got {str(row['side'])[:20]!r}")
            sides[side].append((positive(field(row, "price_level"), "price_level"),
                                non_negative(field(row, "new_quantity"), "new_quantity")))
        bids, asks = tuple(sides[0]), tuple(sides[1])
        if kind == "snapshot":
            return DepthSnapshot(self.name, symbol, sequence, bids, asks, time_ms, received_ns)
        return DepthUpdate(self.name, symbol, sequence, sequence, None, bids, asks, time_ms,
                           received_ns, UNNUMBERED)

    def trades_url(self, symbol: str, from_id: int, limit: int) -> str | None:
        return f"{self.rest_url}/api/v3/brokerage/market/products/{symbol}/ticker?limit={limit}"

    def read_trades(self, payload: Any, symbol: str, received_ns: int) -> list[Tick]:
        rows = field(payload, "trades")
        if not isinstance(rows, list):
            raise InputError("trades: expected a list")
        return [self.trade(row, received_ns, backfilled=True) for row in rows]

    def klines_url(self, symbol: str, end_ms: int, limit: int) -> str:
        end_s = (end_ms - end_ms % MINUTE_MS) // 1000
        start_s = end_s - 60 * min(limit, MAX_CANDLES)
        return (f"{self.rest_url}/api/v3/brokerage/market/products/{symbol}/candles?"
                f"start={start_s}&end={end_s}&granularity=ONE_MINUTE")

    def read_klines(self, payload: Any) -> list[Bar]:
        rows = field(payload, "candles")
        if not isinstance(rows, list):
            raise InputError("candles: expected a list")
        bars = []
        for row in rows:
            volume = non_negative(field(row, "volume"), "volume")
            bars.append(Bar(identifier(field(row, "start"), "start") * 1000,
                            positive(field(row, "open"), "open"),
                            positive(field(row, "high"), "high"),
                            positive(field(row, "low"), "low"),
                            positive(field(row, "close"), "close"),
                            volume, volume / 2))  # candles carry no buy/sell split
        bars.sort(key=lambda b: b.open_ms)
        return bars


def _rows(event: Any, name: str) -> list[Any]:
    rows = field(event, name)
    if not isinstance(rows, list):
        raise InputError(f"{name}: expected a list")
    return rows
