"""What waits in RabbitMQ's queues (the Redis broker's are in test_status and test_metrics):
``omega status`` and the fleet metrics count the batches no worker took yet, and nothing
once a worker took them."""

import json
import threading

from prometheus_client import CollectorRegistry

from feeder.publisher import Publisher
from feeder.service import FeedReport
from omega_tasks.catalog import busy_queues
from omega_tasks.metrics import FleetCollector
from omega_tasks.names import ALL_QUEUES
from omega_tasks.worker.app import worker_app
from omega_tasks.worker.inprocess import worker_thread
from tests import rabbitmq
from tests.integration.test_cli import omega
from tests.pipeline import settle
from tests.support import batches, walk


def status(settings):
    result = omega("status", "--json", "--timeout", "2", env={
        "OMEGA_REDIS_URL": settings.redis_url, "OMEGA_BROKER_URL": settings.broker_url,
        "OMEGA_KEY_PREFIX": settings.key_prefix, "OMEGA_FEED_STALE_S": "1e9"})
    return result.returncode, json.loads(result.stdout)


def queue_length(app, queue):
    registry = CollectorRegistry()
    registry.register(FleetCollector(app))
    return registry.get_sample_value("omega_fleet_queue_length", {"queue": queue})


def test_status_and_metrics_count_batches_waiting_on_rabbitmq_then_none_once_taken(
        settings, store, rabbitmq_base):
    fleet_settings = settings.replace(broker_url=rabbitmq_base)
    rabbitmq.purge(rabbitmq_base, list(ALL_QUEUES))
    app = worker_app(fleet_settings)
    publisher = Publisher(store, app, busy_queues(fleet_settings.queues), threading.Event())
    for batch in batches(walk(2_000), 250):  # one at a time: one task per queue each
        publisher.publish(batch)

    code, seen = status(fleet_settings)
    assert code == 1 and "queue traps: no worker consumes it" in seen["problems"]
    assert {q: seen["queues"][q]["waiting"] for q in busy_queues(fleet_settings.queues)} == {
        q: 8 for q in busy_queues(fleet_settings.queues)}
    assert queue_length(app, "traps") == 8

    with worker_thread(app, [*busy_queues(fleet_settings.queues), "maintenance"]):
        settle(store, FeedReport(last_ids={("sim", "BTC-USDT"): 2_000}))
        assert {queue_length(app, q) for q in ALL_QUEUES} == {0}
