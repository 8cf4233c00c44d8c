"""A worker SIGKILLed mid-replay and restarted: the results equal a clean run's."""

import pytest

from omega_tasks.catalog import busy_queues
from omega_tasks.worker.app import celery_app
from tests.faults.fleet import Workers
from tests.pipeline import feed, outcome, settle


def catch_up(settings) -> None:
    """Run the scheduled catch-up job once, as beat would."""
    celery_app(settings).send_task("omega.maintenance.catch_up")


def events_written(store) -> int:
    return sum(store.redis.xlen(store.symbol(x, s).events) for x, s in store.symbols())


# RabbitMQ's run is slow; the closed-connection test covers its redelivery in the quick set
@pytest.mark.parametrize("fleet_settings",
                         ["redis", pytest.param("rabbitmq", marks=pytest.mark.slow)],
                         indirect=True)
def test_a_worker_killed_mid_replay_and_restarted_leaves_the_clean_runs_results(
    fleet_settings, store, market
):
    settings = fleet_settings
    app = celery_app(settings)
    queues = [*busy_queues(settings.queues), "maintenance"]
    workers = Workers(settings, queues)
    workers.start(1, concurrency=2)
    try:
        settle(store, feed(store, app, market, batch_max=200))
        expected = outcome(store)
        workers.stop()
        store.redis.flushdb()
        app.control.purge()  # a stopping worker hands back what it had prefetched
        workers.start(1, concurrency=2)

        batches = 0

        def crash_midway(batch) -> None:
            nonlocal batches
            batches += 1
            if batches == 25:
                workers.kill()
                workers.start(1, concurrency=2)

        report = feed(store, app, market, batch_max=200, on_batch=crash_midway)
        assert batches > 25
        catch_up(settings)
        settle(store, report)
        assert outcome(store) == expected
        ids = [e.id for x, s in store.symbols() for e in store.events(store.symbol(x, s))]
        assert len(ids) == len(set(ids)) == events_written(store)
    finally:
        workers.stop()
