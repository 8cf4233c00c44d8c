"""Celery's Redis broker transport, made to ride out a Redis that goes away under load.

When the broker connection drops while a worker holds unacknowledged messages, kombu closes
the channel and tries to put them back; by then the transport has forgotten its connection
parameters and the attempt raises AttributeError, which the worker treats as unrecoverable
and exits on. Here it is a connection error, which the worker expects and retries: the
messages stay in the broker's unacknowledged set and are delivered again after the
visibility timeout, and their trades are folded meanwhile by the next batch's catch-up.
"""

from __future__ import annotations

from typing import Any

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:
            raise redis.ConnectionError("the broker connection was closed")
        params: dict[str, Any] = super()._connparams(asynchronous)  # type: ignore[no-untyped-call]
        return params


class Transport(kombu_redis.Transport):
    Channel = Channel
