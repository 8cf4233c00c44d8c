"""What the web server reads from Redis, through the asyncio client and the store's key names.

Read only: it writes no key. The key families and their encodings are the
store's (``names.Keys``, JSON events, msgpack bars and bar clock); this is their asyncio reading.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack
import redis.asyncio as aioredis

from omega_tasks.config import Settings
from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import Bar
from omega_tasks.messages import Event
from omega_tasks.names import Keys, SymbolKeys

CONNECTIONS = 32
POOL_WAIT_S = 10.0


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event with its position in the symbol's events stream (the cursor)."""

    cursor: str
    event: Event

    def to_dict(self) -> dict[str, Any]:
        return {"cursor": self.cursor, **json.loads(self.event.to_json())}


def position(cursor: str) -> tuple[int, int]:
    """A stream id as a pair that orders as the stream does."""
    ms, _, seq = cursor.partition("-")
    return int(ms), int(seq or 0)


class Reader:
    """Omega's stored state, read with redis-py's asyncio client."""

    def __init__(self, client: aioredis.Redis, keys: Keys) -> None:
        self.redis = client
        self.keys = keys

    @classmethod
    def connect(cls, settings: Settings) -> Reader:
        """A reader on the Redis of ``settings`` (no I/O until first use).

        A burst of requests waits for one of ``CONNECTIONS`` connections rather than
        failing when the pool is used up (each watched symbol holds one for its reads).
        """
        pool = aioredis.BlockingConnectionPool.from_url(
            settings.redis_url, max_connections=CONNECTIONS, timeout=POOL_WAIT_S,
            socket_connect_timeout=5, health_check_interval=30)
        return cls(aioredis.Redis(connection_pool=pool), Keys(settings.key_prefix))

    async def close(self) -> None:
        await self.redis.aclose()
        await self.redis.connection_pool.disconnect()

    def symbol(self, exchange: str, symbol: str) -> SymbolKeys:
        return self.keys.symbol(exchange, symbol)

    async def symbols(self) -> list[tuple[str, str]]:
        """The (exchange, symbol) pairs that have data."""
        members = sorted(m.decode() for m in await self.redis.smembers(self.keys.symbols))
        return [(exchange, symbol) for exchange, symbol in (m.split(":", 1) for m in members)]

    async def feed(self, k: SymbolKeys) -> dict[str, str]:
        """The symbol's feed-health hash (without the bar clock)."""
        raw = await self.redis.hgetall(k.feed)
        raw.pop(b"bar_clock", None)
        return {a.decode(): b.decode() for a, b in raw.items()}

    async def snapshot_names(self, k: SymbolKeys) -> list[str]:
        """The analyses that have a snapshot of the symbol."""
        prefix = k.state("")
        found = [key.decode()[len(prefix):]
                 async for key in self.redis.scan_iter(match=f"{prefix}*", count=100)]
        return sorted(found)

    async def covered(self, k: SymbolKeys, names: Sequence[str]) -> dict[str, int]:
        """The last trade id each named snapshot covers (-1 when it has none)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hget(k.state(name), "last_trade_id")
            got = await pipe.execute()
        return {name: int(raw) if raw is not None else -1
                for name, raw in zip(names, got, strict=True)}

    async def snapshots(self, k: SymbolKeys,
                        names: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
        """Each (named, else every) analysis snapshot: its last trade id and its view."""
        wanted = list(names) if names is not None else await self.snapshot_names(k)
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in wanted:
                pipe.hmget(k.state(name), "last_trade_id", "view")
            got = await pipe.execute()
        return {name: {"last_trade_id": int(last), "view": json.loads(view)}
                for name, (last, view) in zip(wanted, got, strict=True) if last is not None}

    async def events_after(self, k: SymbolKeys, cursor: str | None,
                           count: int) -> list[StoredEvent]:
        """Up to ``count`` stored events after ``cursor`` (from the oldest if None)."""
        start = "-" if cursor is None else f"({cursor}"
        raw = await self.redis.xrange(k.events, start, "+", count=count)
        return [stored_event(entry_id, fields) for entry_id, fields in raw]

    async def events_newest(self, k: SymbolKeys, count: int) -> list[StoredEvent]:
        """The newest ``count`` stored events, oldest first."""
        raw = await self.redis.xrevrange(k.events, count=count)
        return [stored_event(entry_id, fields) for entry_id, fields in reversed(raw)]

    async def events_bounds(self, k: SymbolKeys) -> tuple[str | None, str | None]:
        """The cursors of the oldest and the newest retained event (None when there is none)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xrange(k.events, count=1)
            pipe.xrevrange(k.events, count=1)
            first, last = await pipe.execute()
        return (first[0][0].decode() if first else None, last[0][0].decode() if last else None)

    async def bars(self, k: SymbolKeys, from_ms: int, to_ms: int) -> list[Bar]:
        """Closed 1m bars opening in [from_ms, to_ms), oldest first."""
        raw = await self.redis.zrangebyscore(k.bars, from_ms, f"({to_ms}")
        return [Bar.load(msgpack.unpackb(b)) for b in raw]

    async def newest_bar_ms(self, k: SymbolKeys) -> int | None:
        """The open time of the newest closed 1m bar."""
        got = await self.redis.zrange(k.bars, -1, -1, withscores=True)
        return int(got[0][1]) if got else None

    async def forming(self, k: SymbolKeys) -> Bar | None:
        """The 1m bar the feeder is forming, as of its last stored batch."""
        raw = await self.redis.hget(k.feed, "bar_clock")
        if raw is None:
            return None
        clock = BarClock.load(msgpack.unpackb(raw))
        return clock.forming() if clock.started else None


def stored_event(entry_id: bytes, fields: dict[bytes, bytes]) -> StoredEvent:
    """An events-stream entry as an event with its cursor."""
    return StoredEvent(entry_id.decode(), Event.from_json(fields[b"e"]))
