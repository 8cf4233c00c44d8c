"""Batches of several symbols due at once travel in one task per queue, up to a full batch's
worth of trades: every symbol's results equal those of sending it alone, with one task where
there were eight; a bundle with a batch that does not decode dead-letters that one and
analyses the rest."""

import dataclasses
import threading

from celery import signals

from feeder.pipeline import build_feeder
from feeder.publisher import Publisher
from feeder.service import FeedReport
from omega_tasks.catalog import busy_queues
from omega_tasks.messages import Batch
from omega_tasks.names import TRAPS, analyse_task
from omega_tasks.worker.inprocess import worker_thread
from tests.exchange_server import wait_for
from tests.pipeline import outcome, settle
from tests.support import ListSource, batches, walk

SYMBOLS = [f"S{n}-USDT" for n in range(8)]


def publish_rounds(store, app, symbols, ticks, bundle_ticks=1_000):
    """Publish 25 trades of each symbol per round, every round's batches at once."""
    publisher = Publisher(store, app, busy_queues(app.settings.queues), threading.Event(),
                          bundle_ticks=bundle_ticks)
    for at in range(0, len(ticks), 25):
        publisher.publish_all([Batch.of([dataclasses.replace(t, symbol=s)
                                         for t in ticks[at:at + 25]]) for s in symbols])
    return FeedReport(last_ids={("sim", s): ticks[-1].trade_id for s in symbols})


def test_eight_symbols_sent_together_equal_each_sent_alone_in_one_task_a_round(
        settings, store, app):
    ticks = walk(1_500)
    queues = [*busy_queues(settings.queues), "maintenance"]
    tasks = []

    def count(sender=None, **_):
        tasks.append(sender.name)

    signals.task_prerun.connect(count, weak=False)
    try:
        with worker_thread(app, queues):
            alone = {}
            for symbol in SYMBOLS[:2]:
                store.redis.flushdb()
                settle(store, publish_rounds(store, app, [symbol], ticks))
                alone |= outcome(store)
            for bundle_ticks, rounds_per_task in ((1_000, 1), (100, 0.5)):
                store.redis.flushdb()
                tasks.clear()
                settle(store, publish_rounds(store, app, SYMBOLS, ticks, bundle_ticks))
                together = outcome(store)
                assert {m: together[m] for m in alone} == alone
                assert set(together) == {f"sim:{s}" for s in SYMBOLS}
                # 60 rounds of 8 batches of 25: one task a round, or one per 100 trades
                assert tasks.count(analyse_task("traps")) == 60 / rounds_per_task
    finally:
        signals.task_prerun.disconnect(count)


def test_a_bundle_dead_letters_the_batch_that_does_not_decode_and_analyses_the_rest(
        settings, store, app):
    good = batches(walk(300), 300)[0]
    # stored, as the feeder stores before it sends
    build_feeder(settings.replace(batch_max=300), store, None).run(ListSource(walk(300)))
    with worker_thread(app, ["traps"]):
        app.send_task(analyse_task("traps"), args=([b"not a batch", good.encode(), 7],),
                      queue="traps")
        k = store.symbol(good.exchange, good.symbol)
        wait_for(lambda: store.covered(k, TRAPS) == 300 and len(store.dead_letters()) == 2,
                 30, "the bundle to be taken")
    reasons = sorted(d["reason"].decode() for d in store.dead_letters())
    assert reasons[0] == "a batch is bytes, not int"
