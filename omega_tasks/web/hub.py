"""One reader per watched symbol, fanning what changes out to every stream client.

However many clients watch a symbol, the server reads it once: new events as they are added
(a blocking read on the events stream), and every ``refresh_s`` the snapshots' positions and
the forming bar, sending only what moved. Each message is formatted once. A client too slow
to take its messages is dropped (its queue is bounded); it reconnects with Last-Event-ID and
resumes from the stream without a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from omega_tasks.errors import DecodeError
from omega_tasks.names import SymbolKeys
from omega_tasks.web.bars import bar_json
from omega_tasks.web.reader import Reader, StoredEvent, stored_event

log = logging.getLogger(__name__)

QUEUE_MESSAGES = 2_000  # a client this far behind is dropped, to resume from its cursor
READ_COUNT = 500
SNAPSHOT_EVERY = 4  # refreshes between looks at the snapshots (bars are looked at each one)
JOIN_WAIT_S = 10.0  # a hub that cannot start reading (Redis away) within this fails the join


@dataclass(frozen=True, slots=True)
class Message:
    """One Server-Sent Event, formatted; ``cursor`` is set for events (their stream id)."""

    data: bytes
    cursor: str | None = None


DROPPED = Message(b"event: lagging\ndata: {}\n\n")
ENDED = Message(b"event: closing\ndata: {}\n\n")  # the server is shutting down


def sse(kind: str, payload: Any, cursor: str | None = None) -> Message:
    """Format a Server-Sent Event (the id line only for events, so a reconnect resumes)."""
    head = f"id: {cursor}\n" if cursor is not None else ""
    body = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return Message(f"{head}event: {kind}\ndata: {body}\n\n".encode(), cursor)


def event_message(stored: StoredEvent) -> Message:
    return sse("event", stored.to_dict(), stored.cursor)


class SymbolHub:
    """The one reader of a symbol and the queues of the clients that watch it."""

    def __init__(self, reader: Reader, k: SymbolKeys, analyses: Sequence[str],
                 refresh_s: float) -> None:
        self.reader = reader
        self.k = k
        self.analyses = list(analyses)
        self.refresh_s = refresh_s
        self.clients: set[asyncio.Queue[Message]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self.stopped = False
        self.reading = asyncio.Event()  # set once the events read has its starting point

    def join(self) -> asyncio.Queue[Message]:
        queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_MESSAGES)
        self.clients.add(queue)
        if not self._tasks:
            self._tasks = [asyncio.create_task(self._events()),
                           asyncio.create_task(self._changes())]
        return queue

    def leave(self, queue: asyncio.Queue[Message]) -> bool:
        """Forget a client; True when none is left (the hub then stops)."""
        self.clients.discard(queue)
        if self.clients:
            return False
        self.stopped = True  # a read that swallows the cancellation still ends the loop
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        return True

    def _send(self, message: Message) -> None:
        for queue in list(self.clients):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                self.clients.discard(queue)
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()  # make room to say why it ends
                queue.put_nowait(DROPPED)

    async def _events(self) -> None:
        """Send each event added to the symbol's stream, as it is added."""
        cursor: str | None = None
        while not self.stopped:
            try:
                if cursor is None:
                    cursor = (await self.reader.events_bounds(self.k))[1] or "0-0"
                    self.reading.set()
                got = await self.reader.redis.xread({self.k.events: cursor}, count=READ_COUNT,
                                                    block=1000)
            except redis.RedisError as exc:
                if self.stopped:
                    return
                log.warning("reading %s failed, retrying: %s", self.k.events, exc)
                await asyncio.sleep(1.0)  # back off a Redis that is down
                continue
            for _, entries in got:
                for entry_id, fields in entries:
                    cursor = entry_id.decode()
                    try:
                        stored = stored_event(entry_id, fields)
                    except (DecodeError, KeyError) as exc:
                        log.warning("%s %s does not decode, skipped: %s", self.k.events,
                                    cursor, exc)
                        continue
                    self._send(event_message(stored))

    async def _changes(self) -> None:
        """Send the forming bar when it changed, and every ``SNAPSHOT_EVERY`` refreshes the
        snapshots that moved forward (they are large, and change with every batch)."""
        covered: dict[str, int] = {}
        last_bar: dict[str, Any] | None = None
        turn = 0
        while not self.stopped:
            try:
                if turn % SNAPSHOT_EVERY == 0:
                    now = await self.reader.covered(self.k, self.analyses)
                    moved = [name for name, last in now.items()
                             if last > covered.get(name, -1)]
                    if covered and moved:
                        views = await self.reader.snapshots(self.k, moved)
                        for name, snap in views.items():
                            self._send(sse("snapshot", {"analysis": name, **snap}))
                    covered = now
                turn += 1
                forming = await self.reader.forming(self.k)
                bar = bar_json(forming) if forming is not None else None
                if bar is not None and bar != last_bar:
                    self._send(sse("bar", bar))
                last_bar = bar
            except redis.RedisError as exc:
                log.warning("reading %s failed, retrying: %s", self.k.base, exc)
            await asyncio.sleep(self.refresh_s)  # the pace of snapshot and bar updates


class Hubs:
    """The hubs of the symbols someone watches."""

    def __init__(self, reader: Reader, analyses: Sequence[str], refresh_s: float) -> None:
        self.reader = reader
        self.analyses = analyses
        self.refresh_s = refresh_s
        self.hubs: dict[str, SymbolHub] = {}

    async def join(self, k: SymbolKeys) -> tuple[SymbolHub, asyncio.Queue[Message]]:
        """Join the symbol's hub; it then forwards every event added after this returns."""
        hub = self.hubs.get(k.member)
        if hub is None:
            hub = self.hubs[k.member] = SymbolHub(self.reader, k, self.analyses, self.refresh_s)
        queue = hub.join()
        try:
            await asyncio.wait_for(hub.reading.wait(), JOIN_WAIT_S)
        except TimeoutError:
            self.leave(hub, queue)
            raise
        return hub, queue

    def leave(self, hub: SymbolHub, queue: asyncio.Queue[Message]) -> None:
        if hub.leave(queue):
            self.hubs.pop(hub.k.member, None)

    def close(self) -> None:
        """End every client's stream and stop every hub (the server is shutting down)."""
        for hub in list(self.hubs.values()):
            for queue in list(hub.clients):
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()  # make room to say why it ends
                queue.put_nowait(ENDED)
                hub.leave(queue)
        self.hubs.clear()
