"""Exchanges: one file each, behind one small interface.

An exchange knows its endpoints, what to send to subscribe, and how to read what it sends.
``parse`` never raises: every frame becomes items (ticks, liquidations, quotes, depth), nothing (a
subscription reply, a heartbeat, a stream Omega does not use), or a Rejected item carrying the
reason and the raw bytes for the dead-letter stream.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from feeder.sources import DepthSnapshot, Item, Rejected
from omega_tasks.core.types import Bar
from omega_tasks.errors import InputError
from omega_tasks.messages import Tick

log = logging.getLogger(__name__)


class Exchange(ABC):
    """One exchange's websocket protocol and REST endpoints."""

    name: str = "exchange"

    def __init__(self, ws_url: str, rest_url: str, max_frame_bytes: int = 16_777_216,
                 books: bool = True) -> None:
        self.ws_url = ws_url
        self.rest_url = rest_url.rstrip("/")
        self.max_frame_bytes = max_frame_bytes
        self.books = books  # subscribe to and read depth, for order books

    @abstractmethod
    def subscriptions(self, symbols: Sequence[str]) -> list[str]:
        """Return the frames to send after connecting, for normalised symbols."""

    @abstractmethod
    def read(self, message: Any, received_ns: int) -> list[Item]:
        """Turn one decoded JSON message into items; raise InputError if it is bad."""

    def parse(self, raw: bytes | str, received_ns: int) -> list[Item]:
        """Turn one raw frame into items; bad input becomes a Rejected item, never an error."""
        size = len(raw) if isinstance(raw, bytes) or raw.isascii() else len(raw.encode())
        if size > self.max_frame_bytes:
            data = raw if isinstance(raw, bytes) else raw.encode()
            return [Rejected(self.name, f"oversized frame: {size} bytes (limit "
                             f"{self.max_frame_bytes})", data)]
        try:
            # JSON reads a str faster than bytes, whose encoding it would first detect
            text = raw.decode() if isinstance(raw, bytes) else raw
        except UnicodeDecodeError as exc:
            return [Rejected(self.name, f"malformed JSON: not UTF-8: {exc}", _raw(raw))]
        if self.unused(text[:64]):
            return []
        try:
            message = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return [Rejected(self.name, f"malformed JSON: {exc}", _raw(raw))]
        try:
            return self.read(message, received_ns)
        except InputError as exc:
            return [Rejected(self.name, exc.reason, _raw(raw))]
        except Exception as exc:  # a parser bug must cost one message, not the feed
            log.exception("%s: parser failed on a frame", self.name)
            return [Rejected(self.name, f"parser error {type(exc).__name__}: {exc}", _raw(raw))]

    def unused(self, head: str) -> bool:
        """Whether a frame's first characters show it is a stream Omega does not use."""
        return False

    def depth_url(self, symbol: str) -> str | None:
        """Return the REST URL of a book snapshot, or None if the socket sends it."""
        return None

    def read_depth(self, payload: Any, symbol: str, received_ns: int) -> DepthSnapshot:
        """Read a REST book snapshot."""
        raise InputError(f"{self.name} serves no book snapshot over REST")

    def trades_url(self, symbol: str, from_id: int, limit: int) -> str | None:
        """Return the REST URL of trades from ``from_id`` on, or None if there is none."""
        return None

    def read_trades(self, payload: Any, symbol: str, received_ns: int) -> list[Tick]:
        """Read a REST trades reply into ticks marked as backfilled."""
        raise InputError(f"{self.name} serves no trades by id")

    @abstractmethod
    def klines_url(self, symbol: str, end_ms: int, limit: int) -> str:
        """Return the REST URL of up to ``limit`` 1m klines ending before ``end_ms``."""

    @abstractmethod
    def read_klines(self, payload: Any) -> list[Bar]:
        """Read a REST klines reply into 1m bars, oldest first."""


def _raw(frame: bytes | str) -> bytes:
    return frame if isinstance(frame, bytes) else frame.encode()
