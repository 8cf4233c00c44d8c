"""Redis restarted or its connections cut mid-replay: retries, then the clean run's results."""

import pytest

from omega_tasks.catalog import busy_queues
from omega_tasks.config import Settings
from omega_tasks.store import Store
from omega_tasks.worker.app import celery_app
from tests.faults.fleet import Workers, private_redis
from tests.faults.test_worker_killed import catch_up
from tests.pipeline import feed, outcome, settle


@pytest.mark.parametrize("fault", ["restart", "cut connections"])
def test_a_redis_fault_mid_replay_is_ridden_out_with_nothing_lost(market, fault):
    with private_redis() as server:
        settings = Settings(redis_url=server.url, key_prefix="omega-fault",
                            visibility_timeout_s=5, task_retries=8)
        store = Store.connect(settings)
        app = celery_app(settings)
        # Not supervised: a worker must ride out the fault itself, never exit.
        workers = Workers(settings, [*busy_queues(settings.queues), "maintenance"])
        workers.start(1, concurrency=2)
        try:
            settle(store, feed(store, app, market, batch_max=200))
            expected = outcome(store)
            store.redis.flushdb()
            batches = 0

            def fault_midway(batch) -> None:
                nonlocal batches
                batches += 1
                if batches != 25:
                    return
                if fault == "restart":
                    server.stop()
                    server.start()
                else:
                    store.redis.client_kill_filter(_type="normal", skipme=False)

            report = feed(store, app, market, batch_max=200, on_batch=fault_midway)
            assert report.trades == len(market)
            assert workers.alive() == 1, "the worker exited on the fault"
            catch_up(settings)
            settle(store, report)
            assert outcome(store) == expected
        finally:
            workers.stop()
