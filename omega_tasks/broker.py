"""The Celery application's configuration, shared by the workers and the feeder.

The feeder only sends tasks by name, so it uses this app as it is; workers add the task
definitions on top (``omega_tasks.tasks``).
"""

from __future__ import annotations

import os
import ssl
from typing import Any
from urllib.parse import parse_qs, urlsplit

from celery import Celery
from kombu.entity import Queue as KombuQueue

from omega_tasks.config import Settings
from omega_tasks.names import ALL_QUEUES, Queue, TaskName
from omega_tasks.store import Store


class OmegaApp(Celery):  # type: ignore[misc]
    """A Celery app that knows its Settings and gives each process its own Store."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        super().__init__("omega", **kwargs)
        self.settings = settings
        self._store: Store | None = None
        self._store_pid = 0

    @property
    def store(self) -> Store:
        """The Store of the current process (a forked worker child gets a fresh one)."""
        if self._store is None or self._store_pid != os.getpid():
            self._store = Store.connect(self.settings)
            self._store_pid = os.getpid()
        return self._store


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
    """Return a configured Celery app with no tasks of its own."""
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
        broker_transport_options={"visibility_timeout": settings.visibility_timeout_s},
        broker_transport="omega_tasks.transport:Transport",
        task_queues=[KombuQueue(q) for q in ALL_QUEUES],
        task_default_queue=Queue.MAINTENANCE,
        # an exact name wins over the patterns: retraining does not wait behind predictions
        task_routes={TaskName.RETRAIN: {"queue": Queue.MAINTENANCE}}
        | {f"omega.{q}.*": {"queue": q} for q in ALL_QUEUES},
        task_create_missing_queues=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        broker_use_ssl=tls_options(settings.broker),
        redis_backend_use_ssl=tls_options(settings.results),
    )
    return app
