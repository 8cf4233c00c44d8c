"""Celery workers inside the current process, for ``omega demo`` and one-machine runs.

A real Celery worker (the same consumer, pool and acknowledgement path as a fleet worker)
on a thread, consuming the given queues, started and stopped around a block of code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from celery import Celery
from celery.worker import WorkController
from celery.worker import state as worker_state

from omega_tasks.errors import OmegaError


class _Worker(WorkController):  # type: ignore[misc]
    """A WorkController that says when its consumer is ready."""

    def __init__(self, *args: Any, ready: threading.Event, **kwargs: Any) -> None:
        self._omega_ready = ready
        super().__init__(*args, **kwargs)

    def on_consumer_ready(self, consumer: Any) -> None:
        super().on_consumer_ready(consumer)
        self._omega_ready.set()


@contextmanager
def worker_thread(
    app: Celery,
    queues: Sequence[str],
    concurrency: int = 2,
    hostname: str = "omega-inprocess@localhost",
    start_timeout_s: float = 30.0,
) -> Iterator[WorkController]:
    """Run a thread-pool Celery worker on ``queues`` for the duration of the block."""
    app.finalize()
    app.set_current()  # the pool resolves the app of a task message through current_app
    app.set_default()
    ready = threading.Event()
    worker = _Worker(
        app=app,
        hostname=hostname,
        queues=list(queues),
        pool_cls="threads",
        concurrency=concurrency,
        loglevel="WARNING",
        ready_callback=None,
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
        ready=ready,
    )
    thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
    thread.start()
    if not ready.wait(start_timeout_s):
        raise OmegaError(f"the in-process Celery worker did not start in {start_timeout_s:.0f}s")
    try:
        yield worker
    finally:
        worker_state.should_stop = 0
        thread.join(30)
        worker_state.should_stop = None
