"""The feeding pipeline as every command builds it: source items → sequencer → batches of the
configured size and age → stored, and sent to the analysis queues. Quotes, order book samples
and liquidations ride in the batches, each before the trade that followed it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from celery import Celery

from feeder.attachments import Attachments, AttachParams
from feeder.batcher import MicroBatcher
from feeder.observer import FeedObserver
from feeder.publisher import Publisher
from feeder.screen import Screen, ScreenParams
from feeder.service import Backfill, Feeder, Snapshots
from omega_tasks.catalog import busy_queues
from omega_tasks.config import Settings
from omega_tasks.messages import Batch
from omega_tasks.store import Store


def build_feeder(
    settings: Settings,
    store: Store,
    app: Celery | None,
    stop: threading.Event | None = None,
    *,
    queues: Sequence[str] | None = None,
    backfill: Backfill | None = None,
    snapshots: Snapshots | None = None,
    observer: FeedObserver | None = None,
    on_batch: Callable[[Batch], None] | None = None,
) -> Feeder:
    """Return a feeder batching by ``settings`` and publishing through ``app``.

    ``queues`` defaults to the busy queues the settings name; with no app (or no queues)
    batches are only stored. ``stop`` ends the feed and its retries. ``backfill`` closes
    trade-id gaps and ``snapshots`` syncs order books, over REST (live feeds only).
    """
    sent = busy_queues(settings.queues) if queues is None else tuple(queues)
    return Feeder(
        store,
        Publisher(store, app, sent if app is not None else (), stop or threading.Event(),
                  shards=settings.shards, bundle_ticks=settings.batch_max),
        MicroBatcher(settings.batch_max, settings.batch_ms / 1000),
        backfill=backfill,
        snapshots=snapshots,
        observer=observer,
        on_batch=on_batch,
        screen=Screen(ScreenParams(settings.reorder_trades, settings.reorder_ms,
                                   settings.price_jump_sigmas, settings.price_jump_min)),
        attachments=Attachments(AttachParams(settings.quote_sample_ms, settings.book_sample_ms,
                                             settings.book_levels, settings.books)),
    )
