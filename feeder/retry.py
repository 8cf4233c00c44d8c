"""Retry an operation on transient errors with capped, jittered exponential backoff."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import TypeVar

import redis
from kombu.exceptions import OperationalError

from omega_tasks.errors import TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSIENT = (redis.ConnectionError, redis.TimeoutError, OperationalError, TransientError,
             ConnectionError, TimeoutError)


def with_backoff(
    what: str,
    operation: Callable[[], T],
    stop: threading.Event,
    first_s: float = 0.05,
    cap_s: float = 5.0,
) -> T:
    """Run ``operation`` until it succeeds; between failures wait, doubling up to ``cap_s``.

    Gives up (re-raising the last error) only when ``stop`` is set, so a shutdown during an
    outage still ends.
    """
    delay = first_s
    attempt = 0
    while True:
        try:
            return operation()
        except TRANSIENT as exc:
            attempt += 1
            if stop.is_set():
                raise
            log.warning("%s failed (attempt %d): %s; retrying in %.2fs", what, attempt, exc, delay)
            stop.wait(delay * random.uniform(0.5, 1.0))
            delay = min(cap_s, delay * 2)
