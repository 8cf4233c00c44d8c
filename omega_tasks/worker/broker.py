"""The broker's part of the Celery configuration: Redis or RabbitMQ, chosen by the URL.

Redis: plain queues, a visibility timeout just above the longest task (an unacknowledged
message comes back only after it), and the transport that rides out a Redis going away.

RabbitMQ (``amqp://``): every Omega queue is a durable quorum queue, so a message survives a
broker restart and an unacknowledged one returns the moment its consumer's connection
closes; each on a topic exchange of its own name, so a retry's countdown waits in the
broker (Celery's native delayed delivery) instead of in a worker's memory; and publisher
confirms, so a send returns only once the broker holds the message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from kombu.entity import Exchange
from kombu.entity import Queue as KombuQueue

from omega_tasks.names import ALL_QUEUES

AMQP_SCHEMES = ("amqp", "pyamqp")
QUORUM = {"x-queue-type": "quorum"}


def is_amqp(url: str) -> bool:
    """Whether the broker URL names RabbitMQ (AMQP 0-9-1)."""
    return urlsplit(url).scheme in AMQP_SCHEMES


def queues(url: str, names: tuple[str, ...] = ALL_QUEUES) -> list[KombuQueue]:
    """The queue declarations for ``names`` on the broker at ``url``."""
    if not is_amqp(url):
        return [KombuQueue(name) for name in names]
    return [KombuQueue(name, Exchange(name, type="topic"), routing_key=name,
                       queue_arguments=QUORUM) for name in names]


def options(url: str, visibility_timeout_s: int) -> dict[str, Any]:
    """The Celery settings that depend on which broker ``url`` names."""
    if is_amqp(url):
        return {
            "broker_transport_options": {"confirm_publish": True},
            "task_default_queue_type": "quorum",
            "task_default_exchange_type": "topic",
            "broker_native_delayed_delivery_queue_type": "quorum",
        }
    return {
        "broker_transport_options": {"visibility_timeout": visibility_timeout_s},
        "broker_transport": "omega_tasks.worker.transport:Transport",
    }
