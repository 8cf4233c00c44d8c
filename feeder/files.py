"""Trade and candle files: tick CSVs and exchange kline CSVs, gzip or not."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

from omega_tasks.core.candles import trades_from_bars
from omega_tasks.core.types import Bar, Trades
from omega_tasks.errors import InputError

CANDLE_HEADER = ["open_time_ms", "open", "high", "low", "close", "volume"]
TICK_HEADER = ["trade_id", "time_ms", "price", "size", "side"]


def lines(path: Path) -> Iterator[str]:
    """Yield the text lines of a file, gunzipping it if it is gzip."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    yield from io.StringIO(raw.decode())


def read_candles(path: Path) -> list[Bar]:
    """Read a candle CSV (open_time_ms,open,high,low,close,volume) into 1m bars.

    Candles carry no buy/sell split; half the volume is counted as buys.
    """
    rows = csv.reader(lines(path))
    if next(rows, None) != CANDLE_HEADER:
        raise InputError(f"{path}: expected a candle header {','.join(CANDLE_HEADER)}")
    bars = []
    for line, row in enumerate(rows, start=2):
        try:
            t, o, h, low, c, v = row
            bars.append(Bar(int(t), float(o), float(h), float(low), float(c), float(v),
                            float(v) / 2, 4))
        except ValueError as exc:
            raise InputError(f"{path}:{line}: {exc}") from None
    return bars


def read_ticks(path: Path) -> Trades:
    """Read a tick CSV (trade_id,time_ms,price,size,side with side +1/-1) into trades."""
    rows = csv.reader(lines(path))
    if next(rows, None) != TICK_HEADER:
        raise InputError(f"{path}: expected a tick header {','.join(TICK_HEADER)}")
    try:
        parsed = [(int(i), int(t), float(p), float(q), int(s)) for i, t, p, q, s in rows]
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    return Trades.from_rows(parsed)


def sniff(path: Path) -> str | None:
    """Say whether a file is a candle CSV ("candles"), a tick CSV ("ticks") or neither."""
    with path.open("rb") as raw:
        zipped = raw.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(path, "rt") if zipped else path.open() as text:
            first = text.readline(256).strip().split(",")
    except (OSError, UnicodeDecodeError, EOFError):
        return None
    return {tuple(CANDLE_HEADER): "candles", tuple(TICK_HEADER): "ticks"}.get(tuple(first))


def read_trades(path: Path) -> tuple[Trades, bool]:
    """Read a candle or tick CSV, told apart by the header; say if it was candles."""
    kind = sniff(path)
    if kind == "candles":
        return trades_from_bars(read_candles(path)), True
    if kind == "ticks":
        return read_ticks(path), False
    first = next(lines(path), "").strip()[:60]
    raise InputError(f"{path}: not a candle or tick CSV (it begins {first!r})")
