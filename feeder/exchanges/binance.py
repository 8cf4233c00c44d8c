"""Binance spot and USD-M futures: combined streams, trade-id backfill, 1m klines, books.

Spot streams ``<symbol>@trade``, ``<symbol>@bookTicker`` and ``<symbol>@depth@100ms``;
futures add ``<symbol>@forceOrder`` (liquidations). Trade ids are consecutive per symbol,
and ``historicalTrades`` serves them by id, so a gap can be closed. Depth updates are
numbered (``U``/``u``, futures also ``pu``) and ``depth`` serves the snapshot they continue;
a recording may hold that snapshot as a line of its own (``lastUpdateId``), which names no
symbol (``DepthSnapshot.symbol`` is then empty: the feeder gives it to the book it fits).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from feeder.exchanges import Exchange
from feeder.exchanges.fields import (
    decimal_pairs,
    epoch_ms,
    field,
    flag,
    identifier,
    non_negative,
    normal_symbol,
    plausible,
    positive,
    text,
)
from feeder.sources import (
    NEXT_ID,
    PREV_ID,
    DepthSnapshot,
    DepthUpdate,
    Item,
    Liquidated,
    Quote,
)
from omega_tasks.core.types import Bar
from omega_tasks.errors import InputError
from omega_tasks.messages import Tick

UNUSED_STREAMS = ("aggTrade", "kline", "miniTicker", "ticker", "markPrice", "avgPrice",
                  "rollingWindow")
DEPTH_LIMIT = 1000  # levels a REST snapshot asks for


def stream_symbol(symbol: str) -> str:
    """``BTC-USDT`` → ``btcusdt``, as Binance names streams."""
    return symbol.replace("-", "").lower()


class BinanceSpot(Exchange):
    """Binance spot: trades and best bid/ask."""

    name = "binance"
    streams: tuple[str, ...] = ("trade", "bookTicker", "depth@100ms")
    rest_prefix = "/api/v3"

    def subscriptions(self, symbols: Sequence[str]) -> list[str]:
        streams = [s for s in self.streams if self.books or not s.startswith("depth")]
        params = [f"{stream_symbol(s)}@{kind}" for s in symbols for kind in streams]
        return [json.dumps({"method": "SUBSCRIBE", "params": params, "id": 1})]

    def unused(self, head: str) -> bool:
        # without books, depth updates (most of a recording) are skipped unread
        return not self.books and head.startswith('{"stream":"') and "@depth" in head

    def read(self, message: Any, received_ns: int) -> list[Item]:
        if not isinstance(message, dict):
            raise InputError(f"expected a JSON object, got {type(message).__name__}")
        if "stream" in message:
            stream = text(message["stream"], "stream")
            return self.read_stream(stream.partition("@")[2], field(message, "data"),
                                    received_ns)
        if "id" in message and ("result" in message or "error" in message):
            return []  # a reply to SUBSCRIBE
        if "lastUpdateId" in message:  # a depth snapshot (REST) in a recording
            return [self.depth_snapshot(message, "", received_ns)] if self.books else []
        if "e" in message:  # a raw stream, not combined
            return self.read_stream(str(message["e"]), message, received_ns)
        raise InputError("unknown message: neither a stream message nor a reply")

    def read_stream(self, kind: str, data: Any, received_ns: int) -> list[Item]:
        base = kind.partition("@")[0].partition("_")[0]
        if base == "trade":
            return [self.trade(data, received_ns)]
        if base == "bookTicker":
            return [self.quote(data, received_ns)]
        if base in ("depth", "depthUpdate"):
            return [self.depth_update(data, received_ns)] if self.books else []
        if base in UNUSED_STREAMS:
            return []
        raise InputError(f"unknown message type {kind!r}")

    def trade(self, data: Any, received_ns: int) -> Tick:
        event = field(data, "e")
        if event != "trade":
            raise InputError(f"trade stream carries event {event!r}")
        return Tick(
            self.name,
            normal_symbol(text(field(data, "s"), "s")),
            identifier(field(data, "t"), "t"),
            positive(field(data, "p"), "p"),
            positive(field(data, "q"), "q"),
            -1 if flag(field(data, "m"), "m") else 1,  # buyer is maker: the seller hit
            epoch_ms(field(data, "T"), "T", received_ns),
            received_ns,
        )

    def quote(self, data: Any, received_ns: int) -> Quote:
        stamp = data.get("T", data.get("E")) if isinstance(data, dict) else None  # futures
        return Quote(
            self.name,
            normal_symbol(text(field(data, "s"), "s")),
            positive(field(data, "b"), "b"),
            non_negative(field(data, "B"), "B"),
            positive(field(data, "a"), "a"),
            non_negative(field(data, "A"), "A"),
            received_ns,
            epoch_ms(stamp, "T", received_ns) if stamp is not None else received_ns // 1_000_000,
        )

    def depth_update(self, data: Any, received_ns: int) -> DepthUpdate:
        prev = data.get("pu") if isinstance(data, dict) else None
        return DepthUpdate(
            self.name,
            normal_symbol(text(field(data, "s"), "s")),
            identifier(field(data, "U"), "U"),
            identifier(field(data, "u"), "u"),
            identifier(prev, "pu") if prev is not None else None,
            decimal_pairs(field(data, "b"), "b"),
            decimal_pairs(field(data, "a"), "a"),
            epoch_ms(field(data, "E"), "E", received_ns),
            received_ns,
            PREV_ID if prev is not None else NEXT_ID,
        )

    def depth_snapshot(self, data: Any, symbol: str, received_ns: int) -> DepthSnapshot:
        stamp = data.get("E") if isinstance(data, dict) else None
        return DepthSnapshot(
            self.name, symbol,
            identifier(field(data, "lastUpdateId"), "lastUpdateId"),
            decimal_pairs(field(data, "bids"), "bids"),
            decimal_pairs(field(data, "asks"), "asks"),
            epoch_ms(stamp, "E", received_ns) if stamp is not None else received_ns // 1_000_000,
            received_ns,
        )

    def depth_url(self, symbol: str) -> str | None:
        return (f"{self.rest_url}{self.rest_prefix}/depth?"
                f"symbol={stream_symbol(symbol).upper()}&limit={DEPTH_LIMIT}")

    def read_depth(self, payload: Any, symbol: str, received_ns: int) -> DepthSnapshot:
        if not isinstance(payload, dict):
            raise InputError(f"depth reply: expected an object, got {type(payload).__name__}")
        return self.depth_snapshot(payload, symbol, received_ns)

    def trades_url(self, symbol: str, from_id: int, limit: int) -> str | None:
        return (f"{self.rest_url}{self.rest_prefix}/historicalTrades?"
                f"symbol={stream_symbol(symbol).upper()}&fromId={from_id}&limit={limit}")

    def read_trades(self, payload: Any, symbol: str, received_ns: int) -> list[Tick]:
        if not isinstance(payload, list):
            raise InputError(f"trades reply: expected a list, got {type(payload).__name__}")
        return [
            Tick(
                self.name, symbol,
                identifier(field(row, "id"), "id"),
                positive(field(row, "price"), "price"),
                positive(field(row, "qty"), "qty"),
                -1 if flag(field(row, "isBuyerMaker"), "isBuyerMaker") else 1,
                plausible(epoch_ms(field(row, "time"), "time", received_ns), "time",
                          received_ns),
                received_ns,
                backfilled=True,
            )
            for row in payload
        ]

    def klines_url(self, symbol: str, end_ms: int, limit: int) -> str:
        return (f"{self.rest_url}{self.rest_prefix}/klines?"
                f"symbol={stream_symbol(symbol).upper()}&interval=1m&endTime={end_ms - 1}"
                f"&limit={limit}")

    def read_klines(self, payload: Any) -> list[Bar]:
        if not isinstance(payload, list):
            raise InputError(f"klines reply: expected a list, got {type(payload).__name__}")
        bars = []
        for row in payload:
            if not isinstance(row, list) or len(row) < 10:
                raise InputError(f"klines reply: bad row {str(row)[:60]}")
            open_ms, o, h, low, c, v, _, _, n, buy = row[:10]
            if type(open_ms) is not int or type(n) is not int:
                raise InputError(f"klines reply: bad row {str(row)[:60]}")
            volume = non_negative(v, "volume")
            bars.append(Bar(open_ms, positive(o, "open"), positive(h, "high"),
                            positive(low, "low"), positive(c, "close"), volume,
                            non_negative(buy, "taker buy volume"), n))
        bars.sort(key=lambda b: b.open_ms)
        return bars


class BinanceUsdm(BinanceSpot):
    """Binance USD-M futures: trades, best bid/ask, liquidation orders and the book."""

    name = "binance-usdm"
    streams = ("trade", "bookTicker", "forceOrder", "depth@100ms")
    rest_prefix = "/fapi/v1"

    def read_stream(self, kind: str, data: Any, received_ns: int) -> list[Item]:
        if kind.startswith("forceOrder") or (isinstance(data, dict)
                                             and data.get("e") == "forceOrder"):
            return [self.liquidation(data, received_ns)]
        return super().read_stream(kind, data, received_ns)

    def liquidation(self, data: Any, received_ns: int) -> Liquidated:
        order = field(data, "o")
        side = text(field(order, "S"), "o.S")
        if side not in ("BUY", "SELL"):
            raise InputError(f"o.S: expected BUY or SELL, got {side!r}")
        average = non_negative(order.get("ap", "0"), "o.ap")  # 0 until the order fills
        price = average or positive(field(order, "p"), "o.p")
        return Liquidated(
            self.name,
            normal_symbol(text(field(order, "s"), "o.s")),
            epoch_ms(field(order, "T"), "o.T", received_ns),
            1 if side == "BUY" else -1,
            price,
            positive(field(order, "q"), "o.q"),
        )


