"""Beat carries on from the runs recorded in Redis: a real ``celery beat`` process, a real
worker, and the catch-up it sends."""

import time

import pytest

from omega_tasks.catalog import published
from omega_tasks.progress import wait_until_covered
from omega_tasks.worker.beat import SingleBeat
from tests.faults.fleet import beat
from tests.integration.test_schedule import store_ticks
from tests.support import walk

JOB = "catch up"


def test_a_beat_that_finds_a_missed_catch_up_sends_it_at_once_and_records_it(
    store, settings, worker, tmp_path
):
    store_ticks(store, walk(6_000), time.time_ns())  # about 25 minutes; no analysis task sent
    k = store.symbol("sim", "BTC-USDT")
    missed = time.time() - 600  # the last send was ten minutes ago
    store.record_beat_run(JOB, missed)
    with beat(settings, tmp_path):
        assert wait_until_covered(store, k, published(), 6_000, timeout_s=45)
    assert store.snapshots(k)["trend"][1]["last_bar_open_ms"] > 0
    assert store.beat_runs()[JOB] > missed + 500


@pytest.mark.parametrize(("last_sent_s_ago", "resent"), [(600.0, True), (5.0, False)])
def test_a_beat_that_takes_the_lock_goes_on_from_the_recorded_runs(
    app, store, worker, last_sent_s_ago, resent
):
    store_ticks(store, walk(3_000), time.time_ns())
    recorded = time.time() - last_sent_s_ago
    store.record_beat_run(JOB, recorded)
    beat_ = SingleBeat(app)
    try:
        for _ in range(6):  # a tick sends at most one due job
            beat_.tick()
    finally:
        beat_.close()
    assert (store.beat_runs()[JOB] > recorded) is resent
    if resent:
        k = store.symbol("sim", "BTC-USDT")
        assert wait_until_covered(store, k, ["threshold", "trend"], 3_000, timeout_s=30)
