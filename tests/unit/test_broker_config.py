"""The broker is Redis or RabbitMQ, told apart by the URL; the store is always Redis."""

import pytest

from omega_tasks.config import Settings
from omega_tasks.errors import ConfigError
from omega_tasks.worker.app import celery_app

RABBITMQ = "amqp://guest:secret@127.0.0.1:5672/omega"


def test_a_rabbitmq_broker_gets_quorum_queues_on_topic_exchanges_and_publisher_confirms():
    app = celery_app(Settings.from_env({"OMEGA_BROKER_URL": RABBITMQ}))
    assert app.settings.redis_url == "redis://127.0.0.1:6379/0"
    traps = app.amqp.queues["traps"]
    assert traps.queue_arguments == {"x-queue-type": "quorum"} and traps.durable
    assert (traps.exchange.name, traps.exchange.type, traps.routing_key) == (
        "traps", "topic", "traps")
    assert app.conf.broker_transport_options == {"confirm_publish": True}
    assert app.conf.broker_transport is None


def test_a_redis_broker_keeps_plain_queues_and_the_visibility_timeout():
    app = celery_app(Settings.from_env({"OMEGA_VISIBILITY_TIMEOUT_S": "120"}))
    assert app.amqp.queues["traps"].queue_arguments is None
    assert app.conf.broker_transport_options == {"visibility_timeout": 120}


@pytest.mark.parametrize("url", ["http://127.0.0.1:5672/", "amqp://127.0.0.1:0/"])
def test_a_broker_url_that_is_neither_redis_nor_rabbitmq_is_refused_by_name(url):
    with pytest.raises(ConfigError, match="OMEGA_BROKER_URL"):
        Settings.from_env({"OMEGA_BROKER_URL": url})


def test_the_broker_password_is_masked_when_settings_are_shown():
    rows = Settings.from_env({"OMEGA_BROKER_URL": RABBITMQ}).describe()
    assert rows[1][:2] == ("OMEGA_BROKER_URL", "amqp://guest:***@127.0.0.1:5672/omega")
