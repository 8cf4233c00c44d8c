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
    """The best bid and ask of a symbol, kept as feed state."""

    exchange: str
    symbol: str
    bid: float
    bid_size: float
    ask: float
    ask_size: float
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


Item = Tick | Rejected | Liquidated | Quote | Connection
Emit = Callable[[list[Item]], None]


class Source(ABC):
    """A producer of trades in arrival order."""

    name: str = "source"

    @abstractmethod
    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Emit items until exhausted or ``stop`` is set."""
