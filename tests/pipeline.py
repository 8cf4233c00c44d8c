"""Run ticks through the real feeder into real workers and wait for every analysis."""

from __future__ import annotations

from feeder.pipeline import build_feeder
from feeder.service import FeedReport
from omega_tasks.catalog import published
from omega_tasks.progress import wait_until_covered
from omega_tasks.store import Store
from tests.support import ListSource


def feed(store: Store, app, ticks, batch_max: int = 1000, batch_ms: int = 20,
         backfill=None, on_batch=None) -> FeedReport:
    """Publish ticks through the real feeder (batches to Redis and to every busy queue)."""
    settings = app.settings.replace(batch_max=batch_max, batch_ms=batch_ms)
    feeder = build_feeder(settings, store, app, backfill=backfill, on_batch=on_batch)
    return feeder.run(ListSource(ticks))


def settle(store: Store, report: FeedReport, timeout_s: float = 60.0) -> None:
    """Wait until every catalogued analysis covers the last trade fed, for every symbol."""
    for (exchange, symbol), last_id in report.last_ids.items():
        k = store.symbol(exchange, symbol)
        assert wait_until_covered(store, k, published(), last_id, timeout_s), (
            f"analyses did not reach trade {last_id} of {k.member} in {timeout_s}s")


def outcome(store: Store):
    """Events (id and content) and snapshots of every symbol: what users see."""
    seen = {}
    for exchange, symbol in store.symbols():
        k = store.symbol(exchange, symbol)
        events = sorted((e.id, e.to_json()) for e in store.events(k))
        seen[k.member] = (events, store.snapshots(k))
    return seen
