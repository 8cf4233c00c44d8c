"""Raw websocket recordings: what an exchange sent, with when it arrived.

Two line formats are read, gzip, zstandard or plain:

- ``<receive time> <frame>``: the format of the Binance recordings, and what ``omega record``
  writes for any exchange. The time is in nanoseconds (older files: microseconds).
- cryptofeed's JSON lines: ``{"t": "recv", "ts": <seconds>, "data": "<frame>"}`` among header,
  connect and send lines, as in the Coinbase recording.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import zstandard

from feeder.exchanges import Exchange
from omega_tasks.errors import InputError
from omega_tasks.messages import Tick

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"


def open_text(path: Path) -> IO[str]:
    """Open a text file that may be gzip or zstandard compressed.

    Bytes that are not UTF-8 read as U+FFFD: a frame holding them is the parser's to reject.
    """
    with path.open("rb") as probe:
        head = probe.read(4)
    if head[:2] == GZIP_MAGIC:
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="\n")
    if head == ZSTD_MAGIC:
        reader = zstandard.ZstdDecompressor().stream_reader(path.open("rb"), closefd=True)
        return io.TextIOWrapper(reader, encoding="utf-8", errors="replace", newline="\n")
    return path.open(encoding="utf-8", errors="replace", newline="\n")


def as_ns(stamp: int) -> int:
    """Read a receive time in ns, µs or ms (told apart by size) as nanoseconds."""
    if stamp >= 10**17:
        return stamp
    if stamp >= 10**14:
        return stamp * 1_000
    return stamp * 1_000_000


def frames(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (receive time in ns, raw frame) for every received frame of a recording.

    A line that is not a frame, or a file cut short, ends it with an InputError naming where.
    """
    try:
        yield from _frames(path)
    except (OSError, EOFError, zstandard.ZstdError) as exc:  # truncated or not compressed right
        raise InputError(f"{path}: unreadable after the frames read so far: {exc}") from None


def _frames(path: Path) -> Iterator[tuple[int, str]]:
    with open_text(path) as lines:
        for number, line in enumerate(lines, start=1):
            line = line.rstrip("\n")
            if not line:
                continue
            if line[0] == "{":
                got = _cryptofeed(line, path, number)
                if got is not None:
                    yield got
                continue
            stamp, space, frame = line.partition(" ")
            if not stamp.isdigit() or not space:  # an empty frame is a frame: the parser says
                raise InputError(f"{path}:{number}: expected '<receive time> <frame>'")
            yield as_ns(int(stamp)), frame


def _cryptofeed(line: str, path: Path, number: int) -> tuple[int, str] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        raise InputError(f"{path}:{number}: not a JSON line") from None
    if not isinstance(entry, dict) or entry.get("t") != "recv":
        return None
    ts, data = entry.get("ts"), entry.get("data")
    if not isinstance(ts, int | float) or not isinstance(data, str):
        raise InputError(f"{path}:{number}: a recv line needs 'ts' and 'data'")
    return int(ts * 1e9), data


def first_trade(path: Path, exchange: Exchange) -> Tick | None:
    """Return a recording's first trade, as its exchange's parser reads it."""
    for received_ns, frame in frames(path):
        for item in exchange.parse(frame, received_ns):
            if isinstance(item, Tick):
                return item
    return None


def exchange_of(path: Path) -> str:
    """Guess the exchange a recording is from, by its name and first lines."""
    name = path.name.lower()
    if "usdm" in name or "futures" in name:
        return "binance-usdm"
    if "coinbase" in name or "advtrade" in name:
        return "coinbase"
    with open_text(path) as lines:
        for line, _ in zip(lines, range(20), strict=False):
            if '"COINBASE' in line or '\\"channel\\"' in line or '"channel"' in line:
                return "coinbase"
    return "binance"


class Recorder:
    """Append received frames to a gzip file as ``<receive ns> <frame>`` lines (from the
    socket's thread, and the feeder's for REST book snapshots)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = gzip.open(path, "at", encoding="utf-8", newline="\n")  # noqa: SIM115
        self._lock = threading.Lock()
        self.frames = 0

    def write(self, received_ns: int, frame: str) -> None:
        line = frame.replace("\n", " ").replace("\r", " ")  # JSON needs neither outside strings
        with self._lock:
            self._file.write(f"{received_ns} {line}\n")
            self.frames += 1

    def close(self) -> None:
        with self._lock:
            self._file.close()
