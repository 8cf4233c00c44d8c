"""Replaying a raw websocket recording through the same parser as a live connection."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from feeder.exchanges import Exchange
from feeder.recordings import frames
from feeder.sources import Emit, Item, Source


class RecordingSource(Source):
    """Emit what a recording's frames parse into, in recorded order.

    ``speed`` None replays as fast as the feeder takes it; N replays at N times the recorded
    pace (by receive time). Ticks keep their recorded receive time, so a replay is the same
    at any speed.
    """

    name = "recording"

    def __init__(self, path: Path, exchange: Exchange, speed: float | None = None,
                 chunk: int = 500) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive, or None for as fast as possible")
        self.path = path
        self.exchange = exchange
        self.speed = speed
        self.chunk = chunk
        self.frames = 0

    def run(self, emit: Emit, stop: threading.Event) -> None:
        parse = self.exchange.parse
        pending: list[Item] = []
        first_ns: int | None = None
        started = time.monotonic()
        try:
            for received_ns, frame in frames(self.path):
                if stop.is_set():
                    return
                self.frames += 1
                if self.speed is not None:
                    first_ns = received_ns if first_ns is None else first_ns
                    due = started + (received_ns - first_ns) / 1e9 / self.speed
                    if due > time.monotonic():
                        if pending:
                            emit(pending)
                            pending = []
                        if stop.wait(due - time.monotonic()):
                            return
                pending += parse(frame, received_ns)
                if len(pending) >= self.chunk:
                    emit(pending)
                    pending = []
        finally:  # a file cut short still delivers every frame before the cut
            if pending:
                emit(pending)
