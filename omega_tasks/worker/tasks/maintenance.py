"""Scheduled upkeep on the ``maintenance`` queue (beat sends these: ``worker.schedule``)."""

from __future__ import annotations

import logging
import time
from typing import Any

from omega_tasks.catalog import CATALOG
from omega_tasks.core.types import Finding
from omega_tasks.health import FeedHealth
from omega_tasks.messages import Event
from omega_tasks.names import FEED
from omega_tasks.worker.runner import run
from omega_tasks.worker.runtime import Runtime

log = logging.getLogger(__name__)


def catch_up(runtime: Runtime) -> dict[str, Any]:
    """Bring every analysis of every symbol up to the last stored trade.

    Covers a batch whose task message was lost: the analysis folds the missing trades from
    the tick stream, exactly as the lost task would have. The catalogue's order brings an
    analysis's inputs up before it reads them.
    """
    store = runtime.store
    advanced: dict[str, int] = {}
    for exchange, symbol in store.symbols():
        k = store.symbol(exchange, symbol)
        last = store.batches_tail(k)
        if last is None:
            continue
        for spec in CATALOG:
            if store.covered(k, spec.name) >= last.last_id:
                continue
            outcome = run(store, spec, last, runtime.folds, runtime.inputs)
            advanced[f"{k.member}:{spec.name}"] = outcome.caught_up + len(last)
    return advanced


def check_feeds(runtime: Runtime) -> dict[str, float]:
    """Raise a ``feed/stale`` event for each symbol with no trade for too long.

    The event's id is derived from the last trade, so a stall raises one event however many
    checks see it; the next stall (after more trades) raises its own.
    """
    store = runtime.store
    limit_s = runtime.settings.feed_stale_s
    stale: dict[str, float] = {}
    for exchange, symbol in store.symbols():
        k = store.symbol(exchange, symbol)
        health = FeedHealth.of(store.feed(k), time.time_ns())
        if health is None or not health.stale(limit_s):
            continue
        stale[k.member] = round(health.age_s, 1)
        evidence = {"last_trade_id": health.last_trade_id, "limit_s": limit_s,
                    "age_s": round(health.age_s, 3)}
        event = Event.of(exchange, symbol, FEED,
                         Finding("stale", health.last_trade_id, health.last_trade_ms, evidence))
        if store.add_events(k, [event]):
            log.warning("%s: no trade for %.0f s (limit %.0f s)", k.member, health.age_s,
                        limit_s)
    return stale


def trim(runtime: Runtime) -> int:
    """Hold every key family to its retention exactly; return the entries removed."""
    store = runtime.store
    removed = store.trim_dead_letters()
    for exchange, symbol in store.symbols():
        removed += store.trim(store.symbol(exchange, symbol))
    return removed
