"""Where trades come from: every source drives the feeder through one callback.

A source's ``run`` calls ``emit`` with lists of items (ticks, liquidations, quotes, connection
changes, rejected messages) in the order they arrived, until it is exhausted or ``stop`` is
set. ``emit`` may block while the feeder catches up; that is how a replay at full speed is
held to the speed of the pipeline.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from omega_tasks.messages import Tick


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message a source could not turn into trades: dead-lettered with its reason."""

    source: str
    reason: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class Liquidated:
    """A forced liquidation order reported by a futures exchange.

    ``side`` is the side of the liquidation order: -1 (a sell) closes a long, +1 a short.
    """

    exchange: str
    symbol: str
    time_ms: int
    side: int
    price: float
    size: float


@dataclass(frozen=True, slots=True)
class Quote:
    """The best bid and ask of a symbol. ``time_ms`` is the exchange's time when the message
    carries one, else the receive time."""

    exchange: str
    symbol: str
    bid: float
    bid_size: float
    ask: float
    ask_size: float
    received_ns: int
    time_ms: int


Levels = tuple[tuple[float, float], ...]  # (price, size) pairs; size 0 removes the level
NEXT_ID, PREV_ID, UNNUMBERED = "next-id", "prev-id", "unnumbered"  # how depth updates chain


@dataclass(frozen=True, slots=True)
class DepthUpdate:
    """Changes to an order book's levels, numbered by the exchange.

    ``first_id``..``last_id`` are the update ids it covers (Binance ``U``/``u``); ``prev_id``
    the last id of the update before it where the exchange says so (Binance futures ``pu``).
    ``chaining`` says how an update continues the one before (``feeder.book``): by the next
    id, by naming the previous one, or not at all (ids that number other messages too).
    """

    exchange: str
    symbol: str
    first_id: int
    last_id: int
    prev_id: int | None
    bids: Levels
    asks: Levels
    time_ms: int
    received_ns: int
    chaining: str


@dataclass(frozen=True, slots=True)
class DepthSnapshot:
    """A whole order book as of update ``last_id`` (Binance ``lastUpdateId``)."""

    exchange: str
    symbol: str
    last_id: int
    bids: Levels
    asks: Levels
    time_ms: int
    received_ns: int


@dataclass(frozen=True, slots=True)
class Connection:
    """A source's connection changed state (connecting, connected, stale, closed).

    ``reason`` says why for a reconnect; ``symbols`` are the symbols the connection carries.
    """

    exchange: str
    state: str
    symbols: tuple[str, ...] = ()
    reason: str = ""


Item = Tick | Rejected | Liquidated | Quote | DepthUpdate | DepthSnapshot | Connection
Emit = Callable[[list[Item]], None]


class Source(ABC):
    """A producer of trades in arrival order."""

    name: str = "source"

    @abstractmethod
    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Emit items until exhausted or ``stop`` is set."""
