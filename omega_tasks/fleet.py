"""The fleet seen from Redis and the broker: feed health, snapshot lag, queue depths.

Read at a moment by ``omega status`` and by the fleet collector of the metrics endpoint, so
both say the same thing. Workers online come from Celery's inspect, which broadcasts to
every worker: only ``omega status`` asks for it, not every scrape.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis
from kombu.exceptions import OperationalError

from omega_tasks.catalog import busy_queues, published
from omega_tasks.config import Settings, redact_url
from omega_tasks.health import FeedHealth
from omega_tasks.names import ALL_QUEUES, Queue, queue_names
from omega_tasks.retry import failure_class
from omega_tasks.store import Store
from omega_tasks.worker.app import OmegaApp


@dataclass(frozen=True, slots=True)
class SymbolView:
    """One symbol's feed health and how far each analysis snapshot trails its feed."""

    exchange: str
    symbol: str
    health: FeedHealth | None
    lag_trades: dict[str, int | None]  # None: the analysis has no snapshot yet

    @property
    def member(self) -> str:
        return f"{self.exchange}:{self.symbol}"


def symbol_views(store: Store, now_ns: int | None = None) -> list[SymbolView]:
    """Read every symbol's feed health and snapshot lag (trades behind the last stored one)."""
    now = time.time_ns() if now_ns is None else now_ns
    views = []
    for exchange, symbol in store.symbols():
        k = store.symbol(exchange, symbol)
        health = FeedHealth.of(store.feed(k), now)
        last = health.last_trade_id if health is not None else -1
        lag: dict[str, int | None] = {}
        for name in published():
            covered = store.covered(k, name)
            lag[name] = max(0, last - covered) if covered >= 0 else None
        views.append(SymbolView(exchange, symbol, health, lag))
    return views


@dataclass(frozen=True, slots=True)
class VenueView:
    """One exchange's feeds at a glance: its symbols, links, freshest trade and trouble."""

    exchange: str
    symbols: tuple[str, ...]
    connections: tuple[str, ...]  # each symbol's link state, once each ("" unknown)
    newest_age_s: float | None  # None: no symbol has stored a trade
    gaps_open: int
    reconnects: int  # the most any of its symbols counted (one connection carries them all)


def venue_views(views: list[SymbolView]) -> list[VenueView]:
    """Group the symbols' views by exchange, in exchange order."""
    found = []
    for exchange in sorted({v.exchange for v in views}):
        mine = [v for v in views if v.exchange == exchange]
        healths = [v.health for v in mine if v.health is not None]
        found.append(VenueView(
            exchange,
            tuple(v.symbol for v in mine),
            tuple(sorted({h.connection for h in healths})),
            min((h.age_s for h in healths), default=None),
            sum(h.gaps_open for h in healths),
            max((h.reconnects for h in healths), default=0),
        ))
    return found


def queue_depths(app: OmegaApp) -> dict[str, int]:
    """Return the messages waiting in every Omega queue (taken ones are not counted)."""
    with app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1)  # an answer now, not after the broker's retries
        channel = conn.default_channel
        # A declare (not passive: a queue no worker declared yet would be an error) answers
        # with the length over every priority list; on Redis it writes nothing. It declares
        # each queue as the app does (RabbitMQ refuses a declare with other arguments).
        declared = app.amqp.queues
        return {q: int(declared[q].bind(channel).queue_declare().message_count)
                for q in queue_names(app.settings.shards)}


def workers_by_queue(app: OmegaApp, timeout_s: float = 1.0) -> dict[str, list[str]]:
    """Ask every worker which queues it consumes; return the workers per queue."""
    replies = app.control.inspect(timeout=timeout_s).active_queues() or {}
    found: dict[str, list[str]] = {q: [] for q in ALL_QUEUES}
    for worker, queues in sorted(replies.items()):
        for queue in queues:
            found.setdefault(queue["name"], []).append(worker)
    return found


FULL_SHARE = 0.95  # near maxmemory a batch no longer fits, though a small write still does


def memory_problems(used: int, limit: int, writable: bool, batch_bytes: int = 0) -> list[str]:
    """Say when Redis is full: at maxmemory with noeviction it refuses writes, so the feeder
    stalls (it retries) and no trade is stored until memory is freed. ``batch_bytes``, a full
    batch as dense as the newest stored: when it and the task message carrying it (base64 in
    the broker, a third larger) no longer fit, the feeder is stalled though a small write
    still works."""
    if not writable or (limit and (used >= FULL_SHARE * limit
                                   or used + 2 * batch_bytes >= limit)):
        return [f"Redis is full: {used:,} bytes used of maxmemory {limit:,}: writes are "
                "refused and the feeder waits"]
    return []


def feed_problems(views: list[SymbolView], stale_s: float) -> list[str]:
    """Say what is wrong with the feeds: none stored, one stale, or a link not connected."""
    if not any(v.health is not None for v in views):
        return ["no feed has stored a trade"]
    problems = []
    for view in views:
        health = view.health
        if health is None:
            continue
        if health.stale(stale_s):
            problems.append(f"{view.member}: no trade for {health.age_s:.0f} s "
                            f"(limit {stale_s:g} s)")
        if health.connection not in ("", "connected"):
            problems.append(f"{view.member}: connection {health.connection}")
    return problems


def queue_problems(needed: tuple[str, ...], workers: dict[str, list[str]]) -> list[str]:
    """Say which of the ``needed`` queues no worker consumes."""
    return [f"queue {q}: no worker consumes it" for q in needed if not workers.get(q)]


def status_report(store: Store, app: OmegaApp, settings: Settings,
                  workers_timeout_s: float | None) -> dict[str, Any]:
    """What ``omega status --json`` says: feeds, Redis memory, queues, and whether all is
    healthy; workers are asked only with a timeout. When Redis does not answer, only
    ``healthy`` (False) and the problem."""
    try:
        memory = store.memory()
        full = memory_problems(*memory, int(store.bytes_per_trade() * settings.batch_max))
        views = symbol_views(store)
        depths = queue_depths(app)
    except (redis.RedisError, OSError, OperationalError) as exc:
        reached = "full" if failure_class(exc) == "redis full" else "unreachable"
        return {"healthy": False,
                "problems": [f"Redis {reached} at {redact_url(settings.redis_url)}: {exc}"]}
    problems = full + feed_problems(views, settings.feed_stale_s)
    workers: dict[str, list[str]] | None = None
    if workers_timeout_s is not None:
        workers = workers_by_queue(app, workers_timeout_s)
        needed = (*busy_queues(settings.queues), Queue.MAINTENANCE)
        problems += queue_problems(needed, workers)
    return {
        "healthy": not problems,
        "problems": problems,
        "feeds": [{"exchange": v.exchange, "symbol": v.symbol,
                   "last_trade_id": v.health.last_trade_id if v.health else None,
                   "age_s": round(v.health.age_s, 3) if v.health else None,
                   "gaps_open": v.health.gaps_open if v.health else 0,
                   "gaps_closed": v.health.gaps_closed if v.health else 0,
                   "reconnects": v.health.reconnects if v.health else 0,
                   "connection": v.health.connection if v.health else "",
                   "lag_trades": v.lag_trades} for v in views],
        "venues": {v.exchange: {"symbols": list(v.symbols),
                                "connections": list(v.connections),
                                "newest_age_s": None if v.newest_age_s is None
                                else round(v.newest_age_s, 3),
                                "gaps_open": v.gaps_open, "reconnects": v.reconnects}
                   for v in venue_views(views)},
        "redis_memory": {"used": memory[0], "max": memory[1], "writable": memory[2]},
        "queues": {q: {"waiting": depths[q],
                       "workers": None if workers is None else workers.get(q, [])}
                   for q in depths},
    }
