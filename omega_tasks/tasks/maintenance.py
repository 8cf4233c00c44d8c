"""Scheduled upkeep on the ``maintenance`` queue."""

from __future__ import annotations

import logging
from typing import Any

import redis
from celery import Task

from omega_tasks.broker import OmegaApp
from omega_tasks.catalog import CATALOG
from omega_tasks.runner import run

log = logging.getLogger(__name__)


def register(app: OmegaApp) -> None:
    """Register the maintenance tasks."""

    def catch_up(task: Task) -> dict[str, Any]:
        """Bring every analysis of every symbol up to the last stored trade.

        Covers a batch whose task message was lost: the analysis folds the missing trades
        from the tick stream, exactly as the lost task would have.
        """
        store = app.store
        advanced: dict[str, int] = {}
        for exchange, symbol in store.symbols():
            k = store.symbol(exchange, symbol)
            last = store.batches_tail(k)
            if last is None:
                continue
            for spec in CATALOG:
                if store.covered(k, spec.name) < last.last_id:
                    outcome = run(store, spec, last)
                    advanced[f"{k.member}:{spec.name}"] = outcome.caught_up + len(last)
        return advanced

    app.task(
        catch_up,
        name="omega.maintenance.catch_up",
        bind=True,
        shared=False,
        ignore_result=True,
        autoretry_for=(redis.ConnectionError, redis.TimeoutError),
        retry_backoff=True,
        max_retries=app.settings.task_retries,
    )
