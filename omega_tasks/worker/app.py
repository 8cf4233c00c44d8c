"""The Celery app, assembled here: its configuration, queues and routes, every task with its
retry policy, and beat's schedule.

``celery_app`` is the app a sender needs (the feeder and the command line send tasks by
name); ``worker_app`` adds the tasks and the schedule, for workers and beat. A worker process
keeps its store connection and held folds in a ``Runtime``, made afresh in each pool child.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import parse_qs, urlsplit

from celery import Celery, Task

from omega_tasks.catalog import on_queue
from omega_tasks.config import Settings
from omega_tasks.names import (
    ALL_QUEUES,
    ANALYSIS_QUEUES,
    Queue,
    TaskName,
    analyse_task,
    queue_names,
)
from omega_tasks.retry import TRANSIENT
from omega_tasks.store import Store
from omega_tasks.worker import broker
from omega_tasks.worker.runtime import Runtime
from omega_tasks.worker.schedule import beat_schedule
from omega_tasks.worker.shards import ShardConsumer
from omega_tasks.worker.tasks import analyse, maintenance, retrain


class OmegaApp(Celery):  # type: ignore[misc]
    """A Celery app that knows its Settings and gives each process its own Runtime."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__("omega", **kwargs)
        self.settings = settings
        self.runtime = Runtime(settings)

    @property
    def store(self) -> Store:
        """The Store of the current process (a forked worker child gets a fresh one)."""
        return self.runtime.store


def celery_url(url: str) -> str:
    """Translate a redis-py unix socket URL into the form Celery's Redis transport reads."""
    parts = urlsplit(url)
    if parts.scheme != "unix":
        return url
    db = parse_qs(parts.query).get("db", ["0"])[0]
    return f"redis+socket://{parts.path}?virtual_host={db}"


def tls_options(url: str) -> dict[str, Any] | None:
    """Verify the server's certificate on a rediss:// URL that does not say otherwise.

    Celery refuses a rediss:// URL without ``ssl_cert_reqs``; redis-py (the store) verifies
    by default. Both then agree: TLS with the certificate checked, unless the URL relaxes it.
    """
    parts = urlsplit(url)
    if parts.scheme != "rediss" or "ssl_cert_reqs" in parse_qs(parts.query):
        return None
    return {"ssl_cert_reqs": ssl.CERT_REQUIRED}


def celery_app(settings: Settings) -> OmegaApp:
    """Return the configured app with no tasks of its own: what a sender needs."""
    app = OmegaApp(settings, broker=celery_url(settings.broker),
                   backend=celery_url(settings.results))
    app.conf.update(
        task_serializer="msgpack",
        result_serializer="json",
        accept_content=["msgpack", "json"],
        result_accept_content=["json"],
        event_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        result_expires=3600,
        worker_prefetch_multiplier=4,
        worker_soft_shutdown_timeout=10.0,
        worker_enable_soft_shutdown_on_idle=True,
        broker_connection_retry_on_startup=True,
        task_queues=broker.queues(settings.broker, queue_names(settings.shards)),
        task_default_queue=Queue.MAINTENANCE,
        # an exact name wins over the patterns: retraining does not wait behind predictions
        task_routes={TaskName.RETRAIN: {"queue": Queue.MAINTENANCE}}
        | {f"omega.{q}.*": {"queue": q} for q in ALL_QUEUES},
        task_create_missing_queues=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_use_ssl=tls_options(settings.broker),
        redis_backend_use_ssl=tls_options(settings.results),
        **broker.options(settings.broker, settings.visibility_timeout_s),
    )
    return app


def worker_app(settings: Settings) -> OmegaApp:
    """Return the app with every Omega task registered and beat's schedule."""
    app = celery_app(settings)
    retries = {"bind": True, "shared": False, "autoretry_for": TRANSIENT,
               "retry_backoff": 0.2, "retry_backoff_max": 30, "retry_jitter": True,
               "max_retries": settings.task_retries}
    for queue in ANALYSIS_QUEUES:
        if on_queue(queue):
            app.task(_analysis(queue), name=analyse_task(queue), ignore_result=True,
                     **retries)
    upkeep = {TaskName.CATCH_UP: maintenance.catch_up,
              TaskName.CHECK_FEEDS: maintenance.check_feeds,
              TaskName.TRIM: maintenance.trim,
              TaskName.RETRAIN: retrain.retrain}
    for name, job in upkeep.items():
        # rare and small: Flower and callers see what each run did
        app.task(_upkeep(job), name=name, ignore_result=False, **retries)
    app.conf.beat_schedule = beat_schedule()
    app.conf.beat_scheduler = "omega_tasks.worker.beat:SingleBeat"
    if settings.shards > 1:
        app.steps["consumer"].add(ShardConsumer)
    return app


def _analysis(queue: str) -> Any:
    def run(task: Task, blob: bytes) -> dict[str, Any]:
        return analyse.analyse(task.app.runtime, queue, blob)

    run.__doc__ = f"Run the {queue} queue's analyses over a batch of trades."
    return run


def _upkeep(job: Any) -> Any:
    def run(task: Task, *args: Any, **kwargs: Any) -> Any:
        return job(task.app.runtime, *args, **kwargs)

    run.__doc__ = job.__doc__
    return run
