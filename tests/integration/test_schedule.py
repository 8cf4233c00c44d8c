"""Beat's schedule and its jobs, run by a real worker against a real Redis."""

import time

from omega_tasks.core.bars import BarClock
from omega_tasks.messages import Batch
from omega_tasks.worker.beat import SingleBeat
from omega_tasks.worker.runtime import Runtime
from omega_tasks.worker.schedule import HOUR_S, JOBS, beat_schedule
from tests.support import batches, walk


def run_now(app, job):
    """Send a maintenance task to the worker and return what it did."""
    sent = app.send_task(f"omega.maintenance.{job}")
    return sent.get(timeout=20, disable_sync_subtasks=False)  # the in-process worker's flag


def store_ticks(store, ticks, received_ns):
    """Store ticks as the feeder would, as if received at ``received_ns``."""
    clock = BarClock()
    for part in batches(ticks, 100):
        batch = Batch(part.exchange, part.symbol, part.trades, (received_ns,) * len(part))
        closed = [b for row in batch.trades.rows() for b in clock.update(*row)]
        store.append(batch, batch.encode(), closed, clock)


def test_every_scheduled_job_names_a_registered_task_on_the_maintenance_queue(app):
    for name, entry in app.conf.beat_schedule.items():
        assert entry["task"] in app.tasks, name
        route = app.amqp.router.route({}, entry["task"])
        assert route["queue"].name in ("maintenance", *app.settings.queues), name
    assert set(beat_schedule()) == {job.name for job in JOBS}


def test_a_send_nobody_took_expires_before_the_next_is_due():
    for job in JOBS:
        every = job.every if isinstance(job.every, float) else HOUR_S
        assert every / 2 < job.expires_s <= every, job.name


def test_a_feed_silent_for_too_long_raises_one_stale_event_per_stall(app, store, worker):
    limit = app.settings.feed_stale_s
    store_ticks(store, walk(300), time.time_ns() - int((limit + 5) * 1e9))
    k = store.symbol("sim", "BTC-USDT")
    for _ in range(2):
        run_now(app, "check_feeds")
    stale = [e for e in store.events(k) if e.detector == "feed" and e.kind == "stale"]
    assert len(stale) == 1
    assert stale[0].trade_id == 300 and stale[0].evidence["age_s"] > limit


def test_a_feed_that_just_traded_raises_nothing(app, store, worker):
    store_ticks(store, walk(300), time.time_ns())
    assert run_now(app, "check_feeds") == {}
    assert not store.events(store.symbol("sim", "BTC-USDT"))


def test_trim_holds_every_stream_to_its_retention_exactly(app, store, worker, settings):
    small = settings.replace(ticks_retained=1000, deadletters_retained=5)
    app.settings = small
    app.runtime = Runtime(small)  # the worker's store picks up the smaller retention
    trimmed = type(store)(store.redis, store.keys, type(store.retention).of(small))
    store_ticks(trimmed, walk(5000), time.time_ns())
    for i in range(40):
        trimmed.dead_letter("test", "bad", b"x%d" % i)
    removed = run_now(app, "trim")
    k = store.symbol("sim", "BTC-USDT")
    first = store.batches(k, 0, count=1)[0]
    assert removed > 0
    assert first.first_id >= 5000 - 1000
    assert store.redis.xlen(store.keys.deadletter) == 5


def test_only_the_beat_holding_the_lock_sends_and_a_standby_takes_over(app, store):
    first, second = SingleBeat(app, lazy=True), SingleBeat(app, lazy=True)
    try:
        first.tick()
        second.tick()
        assert first.leading and not second.leading
        assert store.beat_lock_holder() == first.holder
        first.close()
        second.tick()
        assert second.leading and store.beat_lock_holder() == second.holder
    finally:
        second.close()
    assert store.beat_lock_holder() is None
