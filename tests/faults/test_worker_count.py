"""One worker process or three, batches of 1 or 1,000: the same events and snapshots."""

import pytest

from omega_tasks.catalog import busy_queues
from omega_tasks.worker.app import celery_app
from tests.faults.fleet import Workers
from tests.pipeline import feed, outcome, settle


# RabbitMQ's run is slow: the killed-worker and closed-connection tests cover it in the quick set
@pytest.mark.parametrize("fleet_settings",
                         ["redis", pytest.param("rabbitmq", marks=pytest.mark.slow)],
                         indirect=True)
def test_one_or_three_worker_processes_give_identical_results(fleet_settings, store, market):
    settings = fleet_settings
    app = celery_app(settings)
    results = []
    for count in (1, 3):
        store.redis.flushdb()
        app.control.purge()  # a stopping worker hands back what it had prefetched
        workers = Workers(settings, busy_queues(settings.queues))
        workers.start(count, concurrency=1)
        try:
            settle(store, feed(store, app, market, batch_max=100))
        finally:
            workers.stop()
        results.append(outcome(store))
    assert results[0] == results[1]


def test_batches_of_1_and_1000_give_identical_results_across_processes(settings, store, market):
    app = celery_app(settings)
    ticks = market[:1_500]
    results = []
    workers = Workers(settings, busy_queues(settings.queues))
    workers.start(2, concurrency=1)
    try:
        for size in (1, 1000):
            store.redis.flushdb()
            settle(store, feed(store, app, ticks, batch_max=size, batch_ms=60_000))
            results.append(outcome(store))
    finally:
        workers.stop()
    assert results[0] == results[1]
