"""Symbol-affine shards: three symbols interleaved on 4 shards, worker nodes joining and
leaving mid-replay; the results equal a clean run's and trades are folded about once."""

import dataclasses

from omega_tasks.catalog import busy_queues
from omega_tasks.worker.app import celery_app
from tests.exchange_server import wait_for
from tests.faults.fleet import Workers
from tests.pipeline import feed, outcome, settle

SYMBOLS = ("BTC-USDT", "BNB-USDT", "ETH-USDT")  # shards 0, 1 and 2 of 4


def interleaved(market, per_symbol: int, run: int = 50):
    """The first ``per_symbol`` ticks once per symbol, symbols taking turns ``run`` at a time."""
    out = []
    for at in range(0, per_symbol, run):
        for symbol in SYMBOLS:
            out += [dataclasses.replace(t, symbol=symbol) for t in market[at:at + run]]
    return out


def test_nodes_joining_and_leaving_mid_replay_lose_nothing_and_fold_each_trade_about_once(
        settings, store, market):
    ticks = interleaved(market, 3_000)
    queues = [*busy_queues(settings.queues), "maintenance"]
    clean = Workers(settings, queues)
    clean.start(1, concurrency=1)
    try:
        settle(store, feed(store, celery_app(settings), ticks, batch_max=100))
    finally:
        clean.stop()
    expected = outcome(store)
    store.redis.flushdb()

    sharded = settings.replace(shards=4)
    app = celery_app(sharded)
    workers = Workers(sharded, queues)
    workers.start(2, concurrency=1)
    batches = 0

    def churn(batch) -> None:
        nonlocal batches
        batches += 1
        if batches == 20:
            workers.join()
        elif batches == 60:
            workers.leave()

    try:
        report = feed(store, app, ticks, batch_max=100, on_batch=churn)
        assert batches > 60 and workers.alive() == 2
        settle(store, report)
        # every batch's task ran, though a later one may have folded its trades first
        wait_for(lambda: all(seen.analysed >= len(ticks) for seen in
                             store.shards.folding().values()), 60, "every task to run")
    finally:
        workers.stop()
    assert outcome(store) == expected
    folding = store.shards.folding()
    assert set(folding) == set(busy_queues(settings.queues))
    for queue, seen in folding.items():
        assert seen.refolds <= 1.1, f"{queue}: {seen.refolds:.3f} folds per trade"
        # a fold goes cold only when its shard changes hands: twice per shard at most here
        assert seen.cold <= 2 * 4 * len(SYMBOLS), f"{queue}: {seen.cold:g} cold folds"
