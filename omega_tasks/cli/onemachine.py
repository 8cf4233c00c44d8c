"""The embedded default for ``omega demo``, ``omega replay`` and ``omega run``: one machine
does it all.

Redis at OMEGA_REDIS_URL when it answers, else an embedded one; Celery workers in this
process on every queue; the feeder on a source until it ends or SIGTERM/SIGINT, then the last
batch flushed and the analyses waited for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from feeder.observer import FeedObserver
from feeder.pipeline import build_feeder
from feeder.service import Backfill, FeedReport, Snapshots
from feeder.sources import Source
from omega_tasks.catalog import busy_queues, published
from omega_tasks.cli.signals import stop_on_signals
from omega_tasks.config import Settings, redact_url
from omega_tasks.embedded import redis_for
from omega_tasks.messages import Batch
from omega_tasks.names import Queue
from omega_tasks.progress import wait_until_covered
from omega_tasks.store import Store
from omega_tasks.worker.app import OmegaApp, worker_app
from omega_tasks.worker.inprocess import worker_thread


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What a one-machine run did, and how long feeding and analysing took."""

    report: FeedReport
    fed_s: float
    analysed_s: float
    caught_up: bool


@dataclass(frozen=True, slots=True)
class Machine:
    """A Redis, in-process workers on every busy queue, and the stop that signals set."""

    settings: Settings
    store: Store
    app: OmegaApp
    stop: threading.Event
    queues: tuple[str, ...]

    @property
    def analyses(self) -> list[str]:
        """The analyses these queues run, by the snapshot names they publish."""
        return list(published(self.queues))

    def feed(
        self,
        source: Source,
        *,
        backfill: Backfill | None = None,
        snapshots: Snapshots | None = None,
        observer: FeedObserver | None = None,
        on_batch: Callable[[Batch], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
        settle_s: float = 120.0,
    ) -> RunOutcome:
        """Feed ``source`` through the pipeline; wait until every analysis covers its trades."""
        started = time.monotonic()
        feeder = build_feeder(self.settings, self.store, self.app, self.stop,
                              queues=self.queues, backfill=backfill, snapshots=snapshots,
                              observer=observer,
                              on_batch=on_batch)
        report = feeder.run(source)
        fed_s = time.monotonic() - started
        caught_up = all(
            wait_until_covered(self.store, self.store.symbol(*key), self.analyses, last_id,
                                          settle_s, on_progress)
            for key, last_id in report.last_ids.items()
        )
        return RunOutcome(report, fed_s, time.monotonic() - started, caught_up)


@contextmanager
def one_machine(
    settings: Settings, workers: int = 2, stop: threading.Event | None = None
) -> Iterator[Machine]:
    """Start (or reach) Redis and in-process workers for the block; stop on SIGTERM/SIGINT."""
    with redis_for(settings) as live, stop_on_signals() as signalled:
        if stop is not None:
            _chain(stop, signalled)
        print(f"Redis: {redact_url(live.redis_url)}", flush=True)
        store = Store.connect(live)
        app = worker_app(live)
        queues = busy_queues(live.queues)
        try:
            with worker_thread(app, (*queues, Queue.MAINTENANCE), concurrency=workers):
                yield Machine(live, store, app, signalled, queues)
        finally:
            store.close()


def _chain(outer: threading.Event, inner: threading.Event) -> None:
    """Set ``inner`` when ``outer`` is set (a caller's stop joins the signals' one)."""
    def relay() -> None:
        outer.wait()
        inner.set()

    threading.Thread(target=relay, daemon=True, name="stop-relay").start()


def summary(outcome: RunOutcome) -> str:
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
