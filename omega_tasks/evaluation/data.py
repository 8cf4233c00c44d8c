"""Market data for evaluation: trades from a candle or tick file, or a recording's tape."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from feeder.exchanges.named import exchange_named
from feeder.files import read_candles, read_trades, sniff
from feeder.recordings import exchange_of
from feeder.tape import read_tape
from omega_tasks.config import Settings
from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import Bar, BookLevels, Liquidation, TopOfBook, Trades
from omega_tasks.errors import InputError


@dataclass(frozen=True, slots=True)
class MarketData:
    """Trades to replay, whether they were synthesised from candles, and what a recording
    carried between them (top of book, book samples, liquidations; empty for a CSV)."""

    trades: Trades
    from_candles: bool
    source: str
    quotes: list[TopOfBook] = field(default_factory=list)
    books: list[BookLevels] = field(default_factory=list)
    liquidations: list[Liquidation] = field(default_factory=list)
    history: list[Bar] = field(default_factory=list)  # closed 1m bars before the first trade


def load(path: Path, symbol: str | None = None, klines: Path | None = None) -> MarketData:
    """Load a candle or tick CSV (told apart by the header) or a websocket recording.

    Of a recording, ``symbol``'s tape (default: the symbol with most trades). ``klines``
    gives the candles that closed before the first trade, to start warm: the last
    ``klines_at_start`` of them, as a live feed or ``omega replay --klines`` would.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if sniff(path) is not None:
        trades, from_candles = read_trades(path)
        data = MarketData(trades, from_candles, path.name)
    else:
        tapes = read_tape(path, exchange_named(exchange_of(path), Settings()))
        if not tapes:
            raise InputError(f"{path}: neither a candle or tick CSV nor a recording with trades")
        chosen = [t for t in tapes.values() if symbol in (None, t.symbol)]
        if not chosen:
            raise InputError(f"{path}: no {symbol} trades (it has "
                             f"{', '.join(sorted(t.symbol for t in tapes.values()))})")
        tape = max(chosen, key=lambda t: len(t.trades))
        data = MarketData(tape.trades, False, f"{path.name} {tape.exchange} {tape.symbol}",
                          tape.quotes, tape.books, tape.liquidations)
    if klines is None:
        return data
    if not klines.is_file():
        raise InputError(f"{klines}: no such file")
    start = data.trades.times_ms[0] // 60_000 * 60_000
    history = [b for b in read_candles(klines) if b.close_ms <= start]
    if not history or history[-1].close_ms < start:
        raise InputError(f"{klines}: no candle closes at {start} ms, where {path.name} starts")
    kept = Settings().klines_at_start
    return MarketData(data.trades, data.from_candles, data.source, data.quotes, data.books,
                      data.liquidations, history[-kept:] if kept else [])


def closed_bars(trades: Trades) -> list[Bar]:
    """Fold trades into the closed 1m bars an analysis would see, in order."""
    clock = BarClock()
    bars: list[Bar] = []
    for row in trades.rows():
        closed = clock.update(*row)
        if closed:
            bars.extend(closed)
    return bars
