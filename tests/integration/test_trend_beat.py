"""Beat re-analyses the trend as bars close: a real ``celery beat`` process, a real worker."""

import time

import pytest

from omega_tasks.worker.beat import SingleBeat
from omega_tasks.worker.schedule import CLOSE_LAG_S, JOBS, on_close
from tests.faults.fleet import beat
from tests.integration.test_schedule import store_ticks
from tests.support import walk

JOB = "trend at bar closes"


def test_beat_re_analyses_the_trend_a_few_seconds_after_every_one_minute_close():
    (job,) = [j for j in JOBS if j.name == JOB]
    assert job.task == "omega.maintenance.catch_up"
    assert dict(job.kwargs) == {"analyses": ("threshold", "trend")}
    assert job.every == on_close(1) and job.every.lag_s > 0


def test_a_beat_that_finds_a_missed_close_sends_the_trend_job_at_once_and_records_it(
    store, settings, worker, tmp_path
):
    store_ticks(store, walk(6_000), time.time_ns())  # about 25 minutes; no analysis task sent
    k = store.symbol("sim", "BTC-USDT")
    missed = time.time() - 600  # the last send was ten minutes ago: closes went by since
    store.record_beat_run(JOB, missed)
    with beat(settings, tmp_path):
        assert store.wait_until_covered(k, ["threshold", "trend"], 6_000, timeout_s=45)
    snapshots = store.snapshots(k)
    assert snapshots["trend"][1]["last_bar_open_ms"] > 0
    # only the trend job fell due: the catch-up of every analysis waits its full minute
    assert "traps" not in snapshots and "fib" not in snapshots
    assert store.beat_runs()[JOB] > missed + 500


@pytest.mark.parametrize(("last_sent_s_ago", "resent"), [(600.0, True), (CLOSE_LAG_S, False)])
def test_a_beat_that_takes_the_lock_goes_on_from_the_recorded_runs(
    app, store, worker, last_sent_s_ago, resent
):
    store_ticks(store, walk(3_000), time.time_ns())
    recorded = time.time() - last_sent_s_ago
    store.record_beat_run(JOB, recorded)
    beat = SingleBeat(app)
    try:
        for _ in range(3):  # a tick sends at most one due job
            beat.tick()
    finally:
        beat.close()
    assert (store.beat_runs()[JOB] > recorded) is resent
    if resent:
        k = store.symbol("sim", "BTC-USDT")
        assert store.wait_until_covered(k, ["threshold", "trend"], 3_000, timeout_s=30)
