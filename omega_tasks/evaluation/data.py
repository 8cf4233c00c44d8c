"""Market data for evaluation: trades from a candle or tick file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from feeder.files import read_trades
from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import Bar, Trades


@dataclass(frozen=True, slots=True)
class MarketData:
    """Trades to replay, and whether they were synthesised from candles."""

    trades: Trades
    from_candles: bool
    source: str


def load(path: Path) -> MarketData:
    """Load a candle or tick file, telling them apart by their header."""
    trades, from_candles = read_trades(path)
    return MarketData(trades, from_candles, path.name)


def closed_bars(trades: Trades) -> list[Bar]:
    """Fold trades into the closed 1m bars an analysis would see, in order."""
    clock = BarClock()
    bars: list[Bar] = []
    for row in trades.rows():
        closed = clock.update(*row)
        if closed:
            bars.extend(closed)
    return bars
