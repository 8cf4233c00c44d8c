"""Binance spot and USD-M futures: combined streams, trade-id backfill, 1m klines.

Spot streams ``<symbol>@trade`` and ``<symbol>@bookTicker``; futures add
``<symbol>@forceOrder`` (liquidations). Trade ids are consecutive per symbol, and
``historicalTrades`` serves them by id, so a gap can be closed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from feeder.exchanges import Exchange
from feeder.exchanges.fields import (
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
from feeder.sources import Item, Liquidated, Quote
from omega_tasks.core.types import Bar
from omega_tasks.errors import InputError
from omega_tasks.messages import Tick

UNUSED_STREAMS = ("depth", "aggTrade", "kline", "miniTicker", "ticker", "markPrice",
                  "avgPrice", "rollingWindow")


def stream_symbol(symbol: str) -> str:
    """``BTC-USDT`` → ``btcusdt``, as Binance names streams."""
    return symbol.replace("-", "").lower()


class BinanceSpot(Exchange):
    """Binance spot: trades and best bid/ask."""

    name = "binance"
    streams: tuple[str, ...] = ("trade", "bookTicker")
    rest_prefix = "/api/v3"

    def subscriptions(self, symbols: Sequence[str]) -> list[str]:
        params = [f"{stream_symbol(s)}@{kind}" for s in symbols for kind in self.streams]
        return [json.dumps({"method": "SUBSCRIBE", "params": params, "id": 1})]

    def unused(self, head: str) -> bool:
        # depth updates are most of a recording; their stream name says so up front
        return head.startswith('{"stream":"') and "@depth" in head

    def read(self, message: Any, received_ns: int) -> list[Item]:
        if not isinstance(message, dict):
            raise InputError(f"expected a JSON object, got {type(message).__name__}")
        if "stream" in message:
            stream = text(message["stream"], "stream")
            return self.read_stream(stream.partition("@")[2], field(message, "data"),
                                    received_ns)
        if "id" in message and ("result" in message or "error" in message):
            return []  # a reply to SUBSCRIBE
        if "lastUpdateId" in message:
            return []  # a depth snapshot (REST) in a recording
        if "e" in message:  # a raw stream, not combined
            return self.read_stream(str(message["e"]), message, received_ns)
        raise InputError("unknown message: neither a stream message nor a reply")

    def read_stream(self, kind: str, data: Any, received_ns: int) -> list[Item]:
        base = kind.partition("@")[0].partition("_")[0]
        if base == "trade":
            return [self.trade(data, received_ns)]
        if base == "bookTicker":
            return [self.quote(data, received_ns)]
        if base in UNUSED_STREAMS or base == "depthUpdate":
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
        return Quote(
            self.name,
            normal_symbol(text(field(data, "s"), "s")),
            positive(field(data, "b"), "b"),
            positive(field(data, "B"), "B"),
            positive(field(data, "a"), "a"),
            positive(field(data, "A"), "A"),
            received_ns,
        )

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
    """Binance USD-M futures: trades, best bid/ask and liquidation orders."""

    name = "binance-usdm"
    streams = ("trade", "bookTicker", "forceOrder")
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

