"""What counts as a transient failure, and retrying one: the one notion every process uses.

Redis or the broker unreachable or timing out, Redis full (``maxmemory`` with noeviction
refuses writes until memory is freed), a connection reset, an exchange's REST answering 429
or 5xx (``TransientError``): worth trying again after a wait. Anything else is
a bug or bad input and is raised at once. Waits double from ``first_s`` up to ``cap_s`` and
are jittered (between half and all of the step), so clients that failed together do not
retry in lockstep. Tasks retry through Celery (``worker.app``) on the same ``TRANSIENT``.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import TypeVar

import redis
import tenacity
from kombu.exceptions import OperationalError

from omega_tasks.errors import TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSIENT: tuple[type[BaseException], ...] = (
    redis.ConnectionError, redis.TimeoutError, redis.exceptions.OutOfMemoryError,
    OperationalError, TransientError, ConnectionError, TimeoutError,
)


def failure_class(error: BaseException) -> str:
    """What kind of transient failure an error is, in a few words (a metric label)."""
    seen: BaseException | None = error
    while seen is not None:  # the broker wraps what Redis said
        if isinstance(seen, redis.exceptions.OutOfMemoryError) or "OOM command" in str(seen):
            return "redis full"
        seen = seen.__cause__ or seen.__context__
    if isinstance(error, redis.RedisError):
        return "redis unreachable"
    if isinstance(error, OperationalError):
        return "broker unreachable"
    return "network"


def backoff_s(attempt: int, first_s: float, cap_s: float) -> float:
    """The wait after failure number ``attempt`` (1, 2, ...): doubling, capped, jittered."""
    return min(cap_s, first_s * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def retrying(
    what: str,
    operation: Callable[[], T],
    stop: threading.Event | None = None,
    first_s: float = 0.05,
    cap_s: float = 5.0,
    tries: int | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
) -> T:
    """Run ``operation`` until it succeeds, retrying transient failures after a wait.

    Gives up, raising the last failure, after ``tries`` attempts (if given) or once ``stop``
    is set, so a shutdown during an outage still ends; a set ``stop`` also cuts a wait short.
    ``on_failure`` hears each transient failure (a metric, a health field).
    """
    ended = stop if stop is not None else threading.Event()
    give_up = tenacity.stop_any(
        tenacity.stop_after_attempt(tries) if tries else tenacity.stop_never,
        tenacity.stop_when_event_set(ended),
    )

    def wait(seconds: float) -> None:
        ended.wait(seconds)

    def failed(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("%s failed (attempt %d): %s; retrying in %.2fs", what, state.attempt_number,
                    error, state.upcoming_sleep)
        if on_failure is not None and error is not None:
            on_failure(error)

    retry = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(TRANSIENT),
        wait=lambda state: backoff_s(state.attempt_number, first_s, cap_s),
        stop=give_up,
        sleep=wait,
        before_sleep=failed,
        reraise=True,
    )
    return retry(operation)
