"""Omega's Redis state behind methods named for what they mean (the RedisManager role).

It reads and writes every key family of ``names.Keys`` but the trend models' hash, which
``models.ModelStore`` keeps. Writes that a retry or a redelivered task may repeat go through
Lua scripts that make them idempotent: a tick batch is appended once, an event is added
once, a snapshot only moves forward.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import msgpack
import redis

from omega_tasks.config import Settings
from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import MINUTE_MS, Bar, Trades
from omega_tasks.errors import HistoryTrimmed
from omega_tasks.messages import Batch, Event
from omega_tasks.names import Keys, SymbolKeys
from omega_tasks.retention import Retention
from omega_tasks.shardbook import ShardBook


def _script(name: str) -> str:
    return resources.files("omega_tasks").joinpath(f"lua/{name}.lua").read_text()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A fold checkpoint: the packed state after ``covered`` (a trade id)."""

    covered: int
    blob: bytes


class Store:
    """Omega's Redis state, behind methods named for what they mean."""

    def __init__(self, client: redis.Redis, keys: Keys, retention: Retention) -> None:
        self.redis = client
        self.keys = keys
        self.retention = retention
        self._append = client.register_script(_script("append"))
        self._commit = client.register_script(_script("commit"))
        self._hold = client.register_script(_script("hold"))
        self._release = client.register_script(_script("release"))

    @classmethod
    def connect(cls, settings: Settings) -> Store:
        """Connect to the Redis of ``settings`` (no I/O until first use)."""
        client = redis.Redis.from_url(
            settings.redis_url, socket_timeout=10, socket_connect_timeout=5,
            health_check_interval=30,
        )
        return cls(client, Keys(settings.key_prefix), Retention.of(settings))

    def close(self) -> None:
        self.redis.close()

    @property
    def shards(self) -> ShardBook:
        """The fleet's shard members and its folding counts."""
        return ShardBook(self.redis, self.keys)

    def symbol(self, exchange: str, symbol: str) -> SymbolKeys:
        return self.keys.symbol(exchange, symbol)

    # ---- ticks and bars (written by the feeder only) ----

    def append(self, batch: Batch, blob: bytes, closed: Sequence[Bar], clock: BarClock) -> bool:
        """Store a batch, the 1m bars it closed and the bar clock after it, once.

        Returns False if the batch was stored before (a retried write).
        """
        k = self.symbol(batch.exchange, batch.symbol)
        args: list[Any] = [
            batch.first_id, batch.last_id, batch.trades.times_ms[-1], batch.received_ns[-1],
            blob, self.retention.trades, self.retention.bars, k.member, len(batch),
            msgpack.packb(clock.dump()),
        ]
        for bar in closed:
            args += [bar.open_ms, msgpack.packb(bar.dump())]
        return bool(_run(self._append, [k.ticks, k.bars, k.feed, self.keys.symbols], args))

    def add_bars(self, k: SymbolKeys, bars: Iterable[Bar]) -> None:
        """Store closed bars from elsewhere (exchange klines for warm-up), keeping existing ones."""
        with self.redis.pipeline() as pipe:
            for bar in bars:
                pipe.zadd(k.bars, {msgpack.packb(bar.dump()): bar.open_ms}, nx=True)
            pipe.sadd(self.keys.symbols, k.member)
            pipe.execute()

    def trades_between(self, k: SymbolKeys, first_id: int, last_id: int) -> Trades:
        """Read trades with ids in [first_id, last_id] from the tick stream, in order."""
        return self.stored_between(k, first_id, last_id).trades

    def stored_between(self, k: SymbolKeys, first_id: int, last_id: int) -> Batch:
        """Read the trades with ids in [first_id, last_id] as one batch: with the liquidations
        due among them and the bars they close (None if a part was stored without bars)."""
        empty = Batch(k.exchange, k.symbol, Trades(), (), bars=())
        if last_id < first_id:
            return empty
        head = self.redis.xrange(k.ticks, "-", "+", count=1)
        if head and _entry_trade_id(head[0][0]) > first_id:
            raise HistoryTrimmed(k.ticks, first_id, _entry_trade_id(head[0][0]))
        start = self.redis.xrevrange(k.ticks, f"{first_id}-0", "-", count=1)
        lo = start[0][0] if start else "-"
        entries = self.redis.xrange(k.ticks, lo, f"{last_id}-0")
        stored = [Batch.decode(fields[b"b"]) for _, fields in entries]
        return Batch.joined(stored, first_id, last_id) if stored else empty

    def batches(self, k: SymbolKeys, after_id: int = 0, count: int = 100) -> list[Batch]:
        """Read stored batches whose first trade id is above ``after_id``."""
        entries = self.redis.xrange(k.ticks, f"({after_id}-0", "+", count=count)
        return [Batch.decode(fields[b"b"]) for _, fields in entries]

    def batches_tail(self, k: SymbolKeys) -> Batch | None:
        """Return the last stored batch of a symbol."""
        entries = self.redis.xrevrange(k.ticks, count=1)
        return Batch.decode(entries[0][1][b"b"]) if entries else None

    def bars(self, k: SymbolKeys, before_ms: int | None = None, limit: int = 20_160) -> list[Bar]:
        """Return up to ``limit`` closed 1m bars opening before ``before_ms``, oldest first."""
        top = "+inf" if before_ms is None else f"({before_ms}"
        raw = self.redis.zrevrangebyscore(k.bars, top, "-inf", start=0, num=limit)
        return [Bar.load(msgpack.unpackb(b)) for b in reversed(raw)]

    def bar_clock(self, k: SymbolKeys) -> BarClock | None:
        """Return the feeder's 1m bar clock as of the last stored batch."""
        raw = self.redis.hget(k.feed, "bar_clock")
        return BarClock.load(msgpack.unpackb(raw)) if raw is not None else None

    def last_trade(self, k: SymbolKeys) -> tuple[int, int] | None:
        """Return (id, exchange time in ms) of the last stored trade."""
        got = self.redis.hmget(k.feed, "last_trade_id", "last_trade_ms")
        return (int(got[0]), int(got[1])) if got[0] is not None else None

    def origin(self, k: SymbolKeys) -> int | None:
        """Return the id of the first trade ever stored for the symbol."""
        raw = self.redis.hget(k.feed, "origin_trade_id")
        return int(raw) if raw is not None else None

    def feed(self, k: SymbolKeys) -> dict[str, str]:
        """Return the symbol's feed-health hash."""
        raw = self.redis.hgetall(k.feed)
        raw.pop(b"bar_clock", None)
        return {a.decode(): b.decode() for a, b in raw.items()}

    def set_feed(self, k: SymbolKeys, **fields: str | int | float) -> None:
        """Set feed-health fields (connection status, gap counts, best bid/ask...)."""
        self.redis.hset(k.feed, mapping=fields)

    def count_feed(self, k: SymbolKeys, name: str, by: int = 1) -> None:
        """Add to a feed-health counter (reconnects...)."""
        self.redis.hincrby(k.feed, name, by)

    def record_gap(self, k: SymbolKeys, event: Event, closed: bool) -> None:
        """Record a trade-id gap: its event, and the open or closed gap count in feed health."""
        if self.add_events(k, [event]):
            self.redis.hincrby(k.feed, "gaps_closed" if closed else "gaps_open", 1)

    def memory(self) -> tuple[int, int, bool]:
        """Return Redis's used memory, its maxmemory (0: none), and whether it takes writes
        (a key that expires at once: a Redis at its maxmemory with noeviction refuses it)."""
        info = self.redis.info("memory")
        try:
            self.redis.set(self.keys.write_probe, 1, px=1)
            writable = True
        except redis.exceptions.OutOfMemoryError:
            writable = False
        return int(info["used_memory"]), int(info.get("maxmemory", 0)), writable

    def bytes_per_trade(self) -> float:
        """Stored bytes per trade of the densest of the symbols' newest batches (0: none)."""
        newest = [self.redis.xrevrange(self.symbol(*key).ticks, count=1) for key in self.symbols()]
        blobs = [entry[0][1][b"b"] for entry in newest if entry]
        return max((len(blob) / len(Batch.decode(blob)) for blob in blobs), default=0.0)

    def bar_count(self, k: SymbolKeys) -> int:
        """Return how many closed 1m bars are stored for a symbol."""
        return int(self.redis.zcard(k.bars))

    def subscribe(self, channel: str) -> redis.client.PubSub:
        """Return a subscription to one of Omega's channels (events or progress)."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(channel)
        return pubsub

    def symbols(self) -> list[tuple[str, str]]:
        """Return the (exchange, symbol) pairs that have data."""
        members = sorted(m.decode() for m in self.redis.smembers(self.keys.symbols))
        return [(exchange, symbol) for exchange, symbol in (m.split(":", 1) for m in members)]

    # ---- checkpoints, events, snapshots (written by analysis tasks) ----

    def checkpoint_at_or_before(
        self, k: SymbolKeys, analysis: str, trade_id: int
    ) -> Checkpoint | None:
        got = self.redis.zrevrangebyscore(
            k.checkpoints(analysis), trade_id, "-inf", start=0, num=1, withscores=True
        )
        return Checkpoint(int(got[0][1]), got[0][0]) if got else None

    def commit(
        self,
        k: SymbolKeys,
        analysis: str,
        events: Sequence[Event],
        last_id: int,
        checkpoint: bytes = b"",
        snapshots: Mapping[str, str] | None = None,
        history: Collection[str] = (),
    ) -> tuple[list[Event], bool]:
        """Write events (each once), a checkpoint and forward-only snapshots, atomically.

        ``snapshots`` maps each name the analysis publishes to its snapshot (JSON); of the
        names in ``history`` a short history is kept too (``views_at``), for the analyses
        that read them as of a trade. Returns the events that were new and whether a
        snapshot moved forward.
        """
        snapshots = snapshots or {}
        args: list[Any] = [
            k.member, last_id, checkpoint, self.retention.checkpoints, self.retention.events,
            max(0, last_id - self.retention.trades), self.keys.events_channel,
            self.keys.progress_channel, len(snapshots),
        ]
        keys = [k.event_ids, k.events, k.checkpoints(analysis)]
        for name, snapshot in snapshots.items():
            args += [name, snapshot, "1" if name in history else "0"]
            keys += [k.state(name), k.views(name)]
        for event in events:
            args += [event.id, event.trade_id, event.to_json()]
        _, advanced, new = _run(self._commit, keys, args)
        return [events[int(i)] for i in new], bool(advanced)

    def views_at(self, k: SymbolKeys, names: Sequence[str], trade_id: int) -> dict[str, Any]:
        """Return the snapshot each named analysis had after ``trade_id`` (None if none is
        kept for exactly that trade)."""
        with self.redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.zrangebyscore(k.views(name), trade_id, trade_id)
            found = pipe.execute()
        return {name: json.loads(got[0]) if got else None
                for name, got in zip(names, found, strict=True)}

    def add_events(self, k: SymbolKeys, events: Sequence[Event]) -> int:
        """Write events that belong to no analysis snapshot (feed gaps, health); each once."""
        if not events:
            return 0
        last = max(e.trade_id for e in events)
        return len(self.commit(k, "", events, last)[0])

    def events(self, k: SymbolKeys, count: int | None = None) -> list[Event]:
        """Return stored events of a symbol, oldest first (the newest ``count`` if given)."""
        if count is None:
            raw = self.redis.xrange(k.events)
        else:
            raw = list(reversed(self.redis.xrevrange(k.events, count=count)))
        return [Event.from_json(fields[b"e"]) for _, fields in raw]

    def snapshot(self, k: SymbolKeys, analysis: str) -> tuple[int, dict[str, Any]] | None:
        """Return (last trade id, view) of an analysis snapshot."""
        got = self.redis.hmget(k.state(analysis), "last_trade_id", "view")
        if got[0] is None:
            return None
        return int(got[0]), json.loads(got[1])

    def snapshots(self, k: SymbolKeys) -> dict[str, tuple[int, dict[str, Any]]]:
        """Return every analysis snapshot of a symbol."""
        prefix = k.state("")
        found = {}
        for key in self.redis.scan_iter(match=f"{prefix}*", count=100):
            name = key.decode()[len(prefix):]
            snap = self.snapshot(k, name)
            if snap is not None:
                found[name] = snap
        return dict(sorted(found.items()))

    def covered(self, k: SymbolKeys, analysis: str) -> int:
        """Return the last trade id the analysis snapshot covers (-1 if none)."""
        raw = self.redis.hget(k.state(analysis), "last_trade_id")
        return int(raw) if raw is not None else -1

    def forget(self, k: SymbolKeys) -> int:
        """Delete everything stored for a symbol; return how many keys went."""
        gone = 0
        for key in self.redis.scan_iter(match=f"{k.base}:*", count=500):
            gone += self.redis.delete(key)
        self.redis.srem(self.keys.symbols, k.member)
        return gone

    def trim(self, k: SymbolKeys) -> int:
        """Hold a symbol's streams to their retention exactly; return the entries removed.

        Writes trim approximately (whole stream nodes, cheaply), and only while a symbol is
        written to; this brings every family back to its configured size.
        """
        last = self.last_trade(k)
        floor = max(0, last[0] - self.retention.trades) if last is not None else 0
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.xtrim(k.ticks, minid=f"{floor}-0", approximate=False)
            pipe.xtrim(k.events, maxlen=self.retention.events, approximate=False)
            pipe.zremrangebyscore(k.event_ids, "-inf", f"({floor}")
            removed = pipe.execute()
        return int(sum(removed))

    def trim_dead_letters(self) -> int:
        """Hold the dead-letter stream to its retention exactly; return the entries removed."""
        removed = self.redis.xtrim(
            self.keys.deadletter, maxlen=self.retention.deadletters, approximate=False
        )
        return int(removed)

    # ---- the beat lock ----

    def hold_beat_lock(self, holder: str, ttl_s: float) -> bool:
        """Take the beat lock, or keep it if ``holder`` has it; True if ``holder`` has it."""
        return bool(self._hold(keys=[self.keys.beat_lock], args=[holder, int(ttl_s * 1000)]))

    def release_beat_lock(self, holder: str) -> None:
        """Give up the beat lock if ``holder`` has it."""
        self._release(keys=[self.keys.beat_lock], args=[holder])

    def beat_lock_holder(self) -> str | None:
        raw = self.redis.get(self.keys.beat_lock)
        return raw.decode() if raw is not None else None

    def record_beat_run(self, job: str, when_s: float, ttl_s: float = 7 * 86_400) -> None:
        """Remember when beat last sent ``job`` (epoch seconds), for a beat that takes over."""
        with self.redis.pipeline() as pipe:
            pipe.hset(self.keys.beat_runs, job, repr(when_s))
            pipe.expire(self.keys.beat_runs, int(ttl_s))
            pipe.execute()

    def beat_runs(self) -> dict[str, float]:
        """Return when beat last sent each job, in epoch seconds."""
        raw = self.redis.hgetall(self.keys.beat_runs)
        return {a.decode(): float(b) for a, b in raw.items()}

    # ---- dead letters ----

    def dead_letter(self, source: str, reason: str, raw: bytes) -> None:
        """Keep a message that could not be used, with why, for someone to look at.

        At most ``deadletter_bytes`` of its raw bytes are kept (``raw_bytes`` says how many it
        had), so the family stays within its count times that however large the messages.
        """
        self.redis.xadd(
            self.keys.deadletter,
            {"source": source, "reason": reason, "raw": raw[: self.retention.deadletter_bytes],
             "raw_bytes": len(raw), "time_ms": int(time.time() * 1000)},
            maxlen=self.retention.deadletters,
            approximate=True,
        )

    def dead_letters(self, count: int = 100) -> list[dict[str, bytes]]:
        raw = self.redis.xrevrange(self.keys.deadletter, count=count)
        return [{a.decode(): b for a, b in fields.items()} for _, fields in reversed(raw)]


def _run(script: Any, keys: list[str], args: list[Any]) -> Any:
    """Run a write script; a Redis at its maxmemory refusing it is an OutOfMemoryError, as
    for a plain command (Redis 6 reports it as a script error)."""
    try:
        return script(keys=keys, args=args)
    except redis.exceptions.OutOfMemoryError:
        raise
    except redis.ResponseError as exc:
        if "OOM command not allowed" in str(exc):
            raise redis.exceptions.OutOfMemoryError(str(exc)) from exc
        raise


def _entry_trade_id(entry_id: bytes) -> int:
    return int(entry_id.split(b"-")[0])


def minute_of(time_ms: int) -> int:
    """Return the open time of the minute holding ``time_ms``."""
    return time_ms - time_ms % MINUTE_MS
