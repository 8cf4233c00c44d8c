"""Backoff between reconnects and retries: doubling, capped, jittered; a stop ends it."""

import threading

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from omega_tasks.retry import backoff_s, retrying


@given(st.integers(1, 200), st.floats(0.01, 5.0), st.floats(5.0, 120.0))
def test_the_reconnect_wait_doubles_from_the_first_up_to_the_cap_with_jitter(attempt, first,
                                                                             cap):
    ceiling = min(cap, first * 2.0 ** (attempt - 1))
    assert ceiling / 2 <= backoff_s(attempt, first, cap) <= ceiling <= cap


def test_the_reconnect_waits_are_jittered_not_in_lockstep():
    waits = {backoff_s(3, 0.5, 30.0) for _ in range(50)}
    assert len(waits) > 40


def test_a_transient_failure_is_retried_until_the_operation_succeeds():
    failures = [redis.ConnectionError("down"), TimeoutError("slow"), ConnectionError("reset")]

    def operation():
        if failures:
            raise failures.pop(0)
        return "done"

    assert retrying("testing", operation, threading.Event(), first_s=0.001) == "done"
    assert failures == []


def test_a_stop_ends_the_retries_with_the_last_error():
    stop = threading.Event()

    def operation():
        stop.set()
        raise redis.ConnectionError("still down")

    with pytest.raises(redis.ConnectionError):
        retrying("testing", operation, stop, first_s=0.001)


def test_a_bug_is_not_retried():
    calls = []

    def operation():
        calls.append(1)
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        retrying("testing", operation, threading.Event())
    assert calls == [1]


def test_a_limited_number_of_tries_ends_with_the_last_transient_error():
    calls = []

    def operation():
        calls.append(1)
        raise redis.TimeoutError("slow")

    with pytest.raises(redis.TimeoutError):
        retrying("testing", operation, first_s=0.001, tries=3)
    assert len(calls) == 3
