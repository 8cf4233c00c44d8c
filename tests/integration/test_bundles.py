"""Batches of several symbols due at once travel in one task per queue: every symbol's
results equal those of feeding it alone, with far fewer tasks than batches; a bundle with
a batch that does not decode dead-letters that one and analyses the rest."""

import dataclasses

from celery import signals

from feeder.pipeline import build_feeder
from omega_tasks.catalog import busy_queues
from omega_tasks.names import TRAPS, analyse_task
from omega_tasks.worker.inprocess import worker_thread
from tests.exchange_server import wait_for
from tests.pipeline import feed, outcome, settle
from tests.support import ListSource, batches, walk

SYMBOLS = [f"S{n}-USDT" for n in range(8)]


def interleaved(ticks):
    return [dataclasses.replace(t, symbol=s) for at in range(0, len(ticks), 25)
            for s in SYMBOLS for t in ticks[at:at + 25]]


def test_eight_symbols_fed_together_equal_each_fed_alone_with_fewer_tasks(settings, store, app):
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
                settle(store, feed(store, app, [dataclasses.replace(t, symbol=symbol)
                                                for t in ticks], batch_max=100))
                alone |= outcome(store)
            store.redis.flushdb()
            tasks.clear()
            report = feed(store, app, interleaved(ticks), batch_max=100, batch_ms=20)
            settle(store, report)
            together = outcome(store)
    finally:
        signals.task_prerun.disconnect(count)
    assert {m: together[m] for m in alone} == alone
    assert set(together) == {f"sim:{s}" for s in SYMBOLS}
    traps = tasks.count(analyse_task("traps"))
    assert report.batches >= len(SYMBOLS) * 15 and traps <= report.batches / 2, (
        traps, report.batches)


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
