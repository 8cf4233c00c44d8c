"""Feeder → Redis → real Celery workers → results, with the invariants pinned."""

import threading

import pytest
from celery.signals import task_postrun

from omega_tasks.catalog import busy_queues
from omega_tasks.names import analyse_task
from tests.pipeline import feed, outcome, settle
from tests.support import walk


class Finished:
    """Count tasks as the in-process worker finishes them (a signal, not a sleep)."""

    def __init__(self) -> None:
        self.count = 0
        self.cond = threading.Condition()
        task_postrun.connect(self.on_done, weak=False)

    def on_done(self, **_: object) -> None:
        with self.cond:
            self.count += 1
            self.cond.notify_all()

    def wait_for(self, n: int, timeout: float = 30) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.count >= n, timeout), "tasks did not finish"

    def close(self) -> None:
        task_postrun.disconnect(self.on_done)


@pytest.fixture
def finished():
    counter = Finished()
    yield counter
    counter.close()


def test_every_trade_fed_is_stored_and_analysed_by_real_workers(store, app, worker):
    report = feed(store, app, walk(20_000))
    settle(store, report)
    k = store.symbol("sim", "BTC-USDT")
    assert report.trades == 20_000 and store.feed(k)["trades"] == "20000"
    assert store.trades_between(k, 1, 20_000).ids == tuple(range(1, 20_001))
    for name, (last_id, view) in store.snapshots(k).items():
        assert last_id == 20_000, name
        assert view["last_trade_id"] == 20_000


def test_batch_sizes_of_1_50_and_1000_give_identical_events_and_snapshots(store, app, worker):
    ticks = walk(1_500, seed=3)
    results = []
    for size in (1, 50, 1000):
        store.redis.flushdb()
        report = feed(store, app, ticks, batch_max=size, batch_ms=10_000)
        assert report.batches == -(-1_500 // size)
        settle(store, report)
        results.append(outcome(store))
    assert results[0] == results[1] == results[2]


def test_batch_sizes_of_50_and_1000_agree_over_hours_of_trades(store, app, worker):
    ticks = walk(30_000, seed=4)
    results = []
    for size in (50, 1000):
        store.redis.flushdb()
        settle(store, feed(store, app, ticks, batch_max=size, batch_ms=10_000))
        results.append(outcome(store))
    assert results[0] == results[1]
    snaps = results[0]["sim:BTC-USDT"][1]
    assert snaps["threshold"][1]["warm"] is True


def test_a_task_delivered_twice_changes_nothing(store, app, worker, finished):
    ticks = walk(5_000)
    settle(store, feed(store, app, ticks, batch_max=500))
    before = outcome(store)
    k = store.symbol("sim", "BTC-USDT")
    blobs = [b.encode() for b in store.batches(k, count=1000)][2:5]
    queues = busy_queues(app.settings.queues)
    baseline = finished.count
    for blob in blobs:
        for queue in queues:
            app.send_task(analyse_task(queue), args=(blob,), queue=queue)
    finished.wait_for(baseline + len(blobs) * len(queues))
    assert outcome(store) == before


def test_a_batch_that_does_not_decode_is_dead_lettered_not_retried(store, app, worker, finished):
    queue = busy_queues(app.settings.queues)[0]
    baseline = finished.count
    app.send_task(analyse_task(queue), args=(b"\x93not a batch",), queue=queue)
    finished.wait_for(baseline + 1)
    (letter,) = store.dead_letters()
    assert letter["raw"] == b"\x93not a batch"
    assert letter["source"] == analyse_task(queue).encode()
    assert b"undecodable" in letter["reason"]


def test_a_second_feeder_run_continues_after_the_trades_already_stored(store, app, worker):
    ticks = walk(4_000)
    feed(store, app, ticks[:2_500])
    report = feed(store, app, ticks[2_000:])
    assert report.duplicates == 500 and report.trades == 1_500
    settle(store, report)
    k = store.symbol("sim", "BTC-USDT")
    assert store.trades_between(k, 1, 4_000).ids == tuple(range(1, 4_001))


def test_a_skipped_trade_id_range_is_an_open_gap_event_without_backfill(store, app, worker):
    ticks = walk(3_000)
    report = feed(store, app, ticks[:1_000] + ticks[1_010:])
    settle(store, report)
    k = store.symbol("sim", "BTC-USDT")
    (gap,) = [e for e in store.events(k) if e.kind == "gap"]
    assert gap.detector == "feed" and gap.trade_id == 1_001
    assert gap.evidence["missing"] == 10 and gap.evidence["closed"] is False
    assert store.feed(k)["gaps_open"] == "1"


def test_a_gap_that_backfill_fills_is_closed_and_the_stream_is_whole(store, app, worker):
    ticks = walk(3_000)
    by_id = {t.trade_id: t for t in ticks}
    report = feed(store, app, ticks[:1_000] + ticks[1_010:],
                  backfill=lambda gap: [by_id[i] for i in range(gap.first_id, gap.last_id + 1)])
    settle(store, report)
    k = store.symbol("sim", "BTC-USDT")
    (gap,) = [e for e in store.events(k) if e.kind == "gap"]
    assert gap.evidence["closed"] is True and gap.evidence["backfilled"] == 10
    assert store.trades_between(k, 1, 3_000).ids == tuple(range(1, 3_001))


def test_two_swapped_trade_ids_are_stored_in_order_with_no_gap_and_no_repeat(
        store, app, worker):
    ticks = walk(3_000)
    swapped = [*ticks[:1_500], ticks[1_501], ticks[1_500], *ticks[1_502:]]
    report = feed(store, app, swapped)
    settle(store, report)
    k = store.symbol("sim", "BTC-USDT")
    assert store.trades_between(k, 1, 3_000).ids == tuple(range(1, 3_001))
    assert report.duplicates == 0 and report.gaps == 0
    assert not [e for e in store.events(k) if e.detector == "feed"]
