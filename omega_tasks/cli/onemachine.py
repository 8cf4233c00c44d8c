"""The embedded default for ``omega replay`` and ``omega run``: one machine does it all.

Redis at OMEGA_REDIS_URL when it answers, else an embedded one; Celery workers in this
process on every queue; the feeder on the given source until it ends or SIGTERM/SIGINT, then
the last batch flushed and the analyses waited for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from feeder.batcher import MicroBatcher
from feeder.observer import FeedObserver
from feeder.publisher import Publisher
from feeder.service import Backfill, Feeder, FeedReport
from feeder.sources import Source
from omega_tasks.catalog import CATALOG, busy_queues
from omega_tasks.cli.signals import stop_on_signals
from omega_tasks.config import Settings, redact_url
from omega_tasks.embedded import redis_for
from omega_tasks.names import Queue
from omega_tasks.store import Store
from omega_tasks.worker.app import worker_app
from omega_tasks.worker.inprocess import worker_thread


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a one-machine run did, and how long feeding and analysing took."""

    report: FeedReport
    fed_s: float
    analysed_s: float
    caught_up: bool


def run_here(
    settings: Settings,
    source: Source,
    workers: int = 2,
    prepare: Callable[[Store], None] | None = None,
    backfill: Callable[[Store], Backfill | None] | None = None,
    observer: FeedObserver | None = None,
    settle_s: float = 120.0,
    stop: threading.Event | None = None,
) -> Outcome:
    """Feed ``source`` through Redis and in-process workers; wait for the analyses."""
    with redis_for(settings) as live, stop_on_signals() as signalled:
        if stop is not None:
            _chain(stop, signalled)
        print(f"Redis: {redact_url(live.redis_url)}", flush=True)
        store = Store.connect(live)
        if prepare is not None:
            prepare(store)
        app = worker_app(live)
        queues = busy_queues(live.queues)
        analyses = [spec.name for spec in CATALOG if spec.queue in queues]
        started = time.monotonic()
        with worker_thread(app, (*queues, Queue.MAINTENANCE), concurrency=workers):
            feeder = Feeder(store, Publisher(store, app, queues, signalled),
                            MicroBatcher(live.batch_max, live.batch_ms / 1000),
                            backfill=backfill(store) if backfill else None, observer=observer)
            report = feeder.run(source)
            fed_s = time.monotonic() - started
            caught_up = all(
                store.wait_until_covered(store.symbol(*key), analyses, last_id, settle_s)
                for key, last_id in report.last_ids.items()
            )
        store.close()
        return Outcome(report, fed_s, time.monotonic() - started, caught_up)


def _chain(outer: threading.Event, inner: threading.Event) -> None:
    """Set ``inner`` when ``outer`` is set (a caller's stop joins the signals' one)."""
    def relay() -> None:
        outer.wait()
        inner.set()

    threading.Thread(target=relay, daemon=True, name="stop-relay").start()


def summary(outcome: Outcome) -> str:
    """One paragraph on what the feeder did."""
    r = outcome.report
    rate = r.trades / outcome.fed_s if outcome.fed_s > 0 else 0.0
    lines = [
        f"fed {r.trades:,} trades in {r.batches:,} batches in {outcome.fed_s:.2f}s "
        f"({rate:,.0f} trades/s); analysed in {outcome.analysed_s:.2f}s",
        f"duplicates dropped {r.duplicates:,}; gaps {r.gaps} ({r.gaps_closed} closed by "
        f"backfill); dead letters {r.dead_letters:,}; liquidations {r.liquidations:,}; "
        f"reconnects {r.reconnects}",
    ]
    for (exchange, symbol), last_id in sorted(r.last_ids.items()):
        lines.append(f"  {exchange}:{symbol} last trade id {last_id}")
    if not outcome.caught_up:
        lines.append("the analyses had not caught up when the wait ended")
    return "\n".join(lines)
