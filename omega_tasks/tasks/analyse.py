"""One task per analysis queue: decode the batch, run the queue's analyses over it."""

from __future__ import annotations

import logging
from typing import Any

import redis
from celery import Task

from omega_tasks.broker import OmegaApp
from omega_tasks.catalog import AnalysisSpec, on_queue
from omega_tasks.errors import DecodeError, TransientError
from omega_tasks.messages import Batch
from omega_tasks.names import ANALYSIS_QUEUES, analyse_task
from omega_tasks.runner import Folds, run

log = logging.getLogger(__name__)
TRANSIENT = (redis.ConnectionError, redis.TimeoutError, TransientError)


def register(app: OmegaApp) -> None:
    """Register the analysis task of every queue that has analyses."""
    for queue in ANALYSIS_QUEUES:
        specs = on_queue(queue)
        if specs:
            _register(app, queue, specs)


def _register(app: OmegaApp, queue: str, specs: tuple[AnalysisSpec, ...]) -> None:
    folds = Folds()

    def analyse(task: Task, blob: bytes) -> dict[str, Any]:
        try:
            batch = Batch.decode(blob)
        except DecodeError as exc:
            log.error("%s: dead-lettering a batch: %s", task.name, exc.reason)
            app.store.dead_letter(task.name, exc.reason, exc.raw)
            return {"dead_letter": exc.reason}
        outcomes = [run(app.store, spec, batch, folds) for spec in specs]
        return {
            "queue": queue,
            "exchange": batch.exchange,
            "symbol": batch.symbol,
            "trades": len(batch),
            "last_trade_id": batch.last_id,
            "received_ns": batch.received_ns[0],
            "events": {o.analysis: o.new_events for o in outcomes},
            "kinds": {o.analysis: list(o.new_kinds) for o in outcomes},
        }

    analyse.__doc__ = f"Run {', '.join(s.name for s in specs)} over a batch of trades."
    app.task(
        analyse,
        name=analyse_task(queue),
        bind=True,
        shared=False,
        ignore_result=True,
        autoretry_for=TRANSIENT,
        retry_backoff=0.2,
        retry_backoff_max=30,
        retry_jitter=True,
        max_retries=app.settings.task_retries,
    )
