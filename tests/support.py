"""Test helpers: trade series, batches and a source that replays them."""

from __future__ import annotations

import random
import threading
from typing import Any

from feeder.sources import Emit, Source
from omega_tasks.core.analysis import Analysis
from omega_tasks.core.types import Bar, Finding
from omega_tasks.messages import Batch, Tick

T0 = 1_736_208_000_000


def walk(n: int, seed: int = 1, first_id: int = 1, exchange: str = "sim",
         symbol: str = "BTC-USDT") -> list[Tick]:
    """Return ``n`` ticks of a seeded random walk, a few per second."""
    rng = random.Random(seed)
    price, t = 60_000.0, T0
    out = []
    for i in range(first_id, first_id + n):
        price = round(price + rng.gauss(0, 4), 2)
        t += rng.randint(0, 500)
        out.append(Tick(exchange, symbol, i, price, round(rng.expovariate(20), 5) + 1e-5,
                        1 if rng.random() < 0.5 else -1, t, t * 1_000_000))
    return out


def batches(ticks: list[Tick], size: int) -> list[Batch]:
    return [Batch.of(ticks[i:i + size]) for i in range(0, len(ticks), size)]


class ListSource(Source):
    """Emit prepared items in chunks, as a recording replayed at full speed would."""

    name = "list"

    def __init__(self, items: list, chunk: int = 500) -> None:
        self.items = items
        self.chunk = chunk

    def run(self, emit: Emit, stop: threading.Event) -> None:
        for i in range(0, len(self.items), self.chunk):
            if stop.is_set():
                return
            emit(self.items[i:i + self.chunk])


class NewHighs(Analysis):
    """Test analysis: a finding at each trade above every earlier price, and at bar closes."""

    name = "new_highs"

    def __init__(self) -> None:
        self.high = float("-inf")
        self.bars = 0
        self.last_trade = 0

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        self.bars += 1
        if not bar.trades:
            return None
        return [Finding("bar", bar.last_id, bar.close_ms, {"close": bar.close})]

    def on_liquidation(self, liquidation):
        return [Finding("liquidation", liquidation.before_trade_id, liquidation.time_ms,
                        {"seen_after_trade": self.last_trade}, key=str(liquidation.time_ms))]

    def on_trade(self, trade_id, time_ms, price, size, side):
        self.last_trade = trade_id
        if price > self.high:
            self.high = price
            return [Finding("high", trade_id, time_ms, {"price": price})]
        return None

    def dump(self) -> Any:
        return [self.high, self.bars, self.last_trade]

    @classmethod
    def load(cls, data: Any) -> NewHighs:
        made = cls()
        made.high, made.bars, made.last_trade = data
        return made

    def view(self) -> dict[str, Any]:
        return {"high": self.high, "bars": self.bars}
