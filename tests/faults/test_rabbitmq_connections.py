"""RabbitMQ's connections closed mid-replay (as a broker failover or restart would close
them; the machine's broker itself is shared, so it is not restarted): the worker and the
feeder reconnect, the unacknowledged batches come back, and the results equal a clean run's."""

from omega_tasks.catalog import busy_queues
from omega_tasks.worker.app import celery_app
from tests import rabbitmq
from tests.faults.fleet import Workers
from tests.faults.test_worker_killed import catch_up
from tests.pipeline import feed, outcome, settle


def test_rabbitmq_connections_closed_mid_replay_are_ridden_out_with_nothing_lost(
    settings, store, rabbitmq_base, market
):
    settings = settings.replace(broker_url=rabbitmq_base)
    rabbitmq.purge(rabbitmq_base, [*busy_queues(settings.queues), "maintenance"])
    vhost = rabbitmq_base.rsplit("/", 1)[1]
    app = celery_app(settings)
    workers = Workers(settings, [*busy_queues(settings.queues), "maintenance"])
    workers.start(1, concurrency=2)
    try:
        settle(store, feed(store, app, market, batch_max=200))
        expected = outcome(store)
        store.redis.flushdb()
        batches, closed = 0, 0

        def cut_midway(batch) -> None:
            nonlocal batches, closed
            batches += 1
            if batches == 25:
                closed = rabbitmq.close_connections(vhost)

        report = feed(store, app, market, batch_max=200, on_batch=cut_midway)
        assert batches > 25 and report.trades == len(market)
        assert closed >= 2, "the worker's and the feeder's connections were not both cut"
        assert workers.alive() == 1, "the worker exited on the closed connection"
        catch_up(settings)
        settle(store, report)
        assert outcome(store) == expected
    finally:
        workers.stop()
