"""Replaying trades already in hand: as fast as the feeder takes them, or paced."""

from __future__ import annotations

import bisect
import threading
import time

from feeder.sources import Emit, Item, Source
from omega_tasks.core.types import Trades
from omega_tasks.messages import Tick


class TradesSource(Source):
    """Emit trades of one symbol as ticks.

    ``speed`` None emits chunks of ``chunk`` ticks back to back; N replays at N times market
    time, each tick when its time comes relative to the first. ``received_ns`` is the wall
    clock at emission, as for a live feed.
    """

    name = "trades"

    def __init__(self, trades: Trades, exchange: str, symbol: str,
                 speed: float | None = None, chunk: int = 500) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive, or None for as fast as possible")
        self.trades = trades
        self.exchange = exchange
        self.symbol = symbol
        self.speed = speed
        self.chunk = chunk

    def run(self, emit: Emit, stop: threading.Event) -> None:
        times, n, i = self.trades.times_ms, len(self.trades), 0
        started = time.monotonic()
        while i < n and not stop.is_set():
            j = min(n, i + self.chunk)
            if self.speed is not None:
                due = started + (times[i] - times[0]) / (1000.0 * self.speed)
                if stop.wait(max(0.0, due - time.monotonic())):
                    return
                now_ms = times[0] + (time.monotonic() - started) * 1000.0 * self.speed
                j = max(i + 1, bisect.bisect_right(times, now_ms, i, j))
            emit(self._ticks(i, j))
            i = j

    def _ticks(self, lo: int, hi: int) -> list[Item]:
        t, now = self.trades, time.time_ns()
        return [Tick(self.exchange, self.symbol, t.ids[k], t.prices[k], t.sizes[k], t.sides[k],
                     t.times_ms[k], now) for k in range(lo, hi)]
