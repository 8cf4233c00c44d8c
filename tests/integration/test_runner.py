"""The runner against a real Redis: results depend on the trades, not on how tasks ran."""

import random
import threading
from dataclasses import replace

import msgpack
import pytest

from feeder.publisher import Publisher
from omega_tasks.catalog import AnalysisSpec
from omega_tasks.core.analysis import Fold
from omega_tasks.core.bars import BarClock
from omega_tasks.core.threshold import ThresholdAnalysis
from omega_tasks.core.types import Liquidation, Trades
from omega_tasks.messages import Batch
from omega_tasks.store import Store
from omega_tasks.worker.runner import Folds, run
from tests.support import NewHighs, batches, walk

SPECS = (AnalysisSpec(NewHighs, "traps"), AnalysisSpec(ThresholdAnalysis, "trends"))


def store_all(store, parts):
    clock = BarClock()
    for batch in parts:
        closed = [b for row in batch.trades.rows() for b in clock.update(*row)]
        store.append(batch, batch.encode(), closed, clock)


def outcome(store):
    """Everything an analysis run leaves that users see: events and snapshots."""
    k = store.symbol("sim", "BTC-USDT")
    events = sorted((e.id, e.to_json()) for e in store.events(k))
    return events, store.snapshots(k)


def reference(ticks):
    trades = Trades.from_rows([(t.trade_id, t.exchange_ms, t.price, t.size, t.side) for t in ticks])
    return Fold(NewHighs()).feed(trades)


def test_batches_run_in_order_find_what_one_fold_over_all_trades_finds(store):
    ticks = walk(3000)
    parts = batches(ticks, 250)
    store_all(store, parts)
    for batch in parts:
        for spec in SPECS:
            run(store, spec, batch)
    events, snaps = outcome(store)
    assert [e[0].split(":")[-1] for e in events if ":high:" in e[0]] == sorted(
        str(f.trade_id) for f in reference(ticks) if f.kind == "high")
    assert snaps["new_highs"][0] == 3000 and snaps["threshold"][0] == 3000


def test_batches_run_in_any_order_leave_the_same_events_and_snapshots(store, settings):
    ticks = walk(3000)
    parts = batches(ticks, 250)
    store_all(store, parts)
    for batch in parts:
        for spec in SPECS:
            run(store, spec, batch)
    expected = outcome(store)
    for seed in (1, 2):
        store.redis.flushdb()
        store_all(store, parts)
        shuffled = parts[:]
        random.Random(seed).shuffle(shuffled)
        for batch in shuffled:
            for spec in SPECS:
                run(store, spec, batch)
        assert outcome(store) == expected


def test_processes_holding_their_last_folds_leave_what_checkpoints_alone_leave(store):
    parts = batches(walk(3000), 250)
    store_all(store, parts)
    for batch in parts:
        for spec in SPECS:
            run(store, spec, batch)
    expected = outcome(store)
    for seed in (1, 2, 3):
        store.redis.flushdb()
        store_all(store, parts)
        rng = random.Random(seed)
        processes = [Folds(), Folds()]
        order = parts[:]
        rng.shuffle(order)
        for batch in sorted(order[:6], key=lambda b: b.first_id) + order[6:]:
            for spec in SPECS:
                run(store, spec, batch, rng.choice(processes))
        assert outcome(store) == expected


def test_a_held_fold_skips_the_checkpoint_only_when_it_ends_where_the_batch_starts(store):
    parts = batches(walk(1000), 100)
    store_all(store, parts)
    folds = Folds()
    run(store, SPECS[0], parts[0], folds)
    k = store.symbol("sim", "BTC-USDT")
    store.redis.delete(k.checkpoints("new_highs"))  # only the held fold knows trade 100
    assert run(store, SPECS[0], parts[1], folds).caught_up == 0
    stale = Folds()
    run(store, SPECS[0], parts[0], stale)  # skipped: already covered, holds nothing
    assert stale.take(k.member, "new_highs") is None
    assert run(store, SPECS[0], parts[3], folds).caught_up == 100


def test_a_redelivered_batch_changes_nothing(store):
    parts = batches(walk(1000), 100)
    store_all(store, parts)
    for batch in parts:
        run(store, SPECS[0], batch)
    checkpoints = store.symbol("sim", "BTC-USDT").checkpoints("new_highs")
    before = outcome(store), store.redis.zrange(checkpoints, 0, -1)
    for batch in (parts[3], parts[-1], parts[0]):
        result = run(store, SPECS[0], batch)
        assert result.new_events == 0
    after = outcome(store), store.redis.zrange(checkpoints, 0, -1)
    assert after == before


def test_a_lost_batch_is_covered_by_the_next_one_from_the_tick_stream(store):
    parts = batches(walk(1000), 100)
    store_all(store, parts)
    for batch in parts:
        run(store, SPECS[0], batch)
    expected = outcome(store)
    store.redis.flushdb()
    store_all(store, parts)
    for i, batch in enumerate(parts):
        if i not in (2, 3, 7):
            result = run(store, SPECS[0], batch)
            if i in (4, 8):
                assert result.caught_up > 0
    assert outcome(store) == expected


@pytest.mark.parametrize(("checkpointed", "needed_from"), [(True, 101), (False, 1)])
def test_trades_trimmed_before_an_analysis_caught_up_give_a_visible_restart(
    store, checkpointed, needed_from
):
    store = Store(store.redis, store.keys, replace(store.retention, trades=300))
    parts = batches(walk(3000), 100)
    store_all(store, parts[:5])
    if checkpointed:
        run(store, SPECS[0], parts[0])
    store_all(store, parts[5:])
    result = run(store, SPECS[0], parts[-1])
    assert result.reset
    k = store.symbol("sim", "BTC-USDT")
    gap = [e for e in store.events(k) if e.kind == "history_gap"]
    assert len(gap) == 1 and gap[0].evidence["needed_from_trade_id"] == needed_from
    assert store.snapshot(k, "new_highs")[0] == 3000


def test_a_checkpoint_is_plain_msgpack_data_covering_its_trade_id(store):
    parts = batches(walk(500), 100)
    store_all(store, parts)
    run(store, SPECS[1], parts[0])
    ck = store.checkpoint_at_or_before(store.symbol("sim", "BTC-USDT"), "threshold", 10**12)
    assert ck.covered == 100
    assert Fold.load(ThresholdAnalysis, msgpack.unpackb(ck.blob)).last_id == 100


def test_liquidations_stored_with_batches_reach_a_fold_that_catches_up(store):
    ticks = walk(1000)
    anchors = {150: -1, 420: 1, 421: -1, 905: 1}
    parts = []
    for lo in range(0, 1000, 100):
        chunk = ticks[lo:lo + 100]
        due = [Liquidation(t.exchange_ms, anchors[t.trade_id], t.price, 2.0, t.trade_id)
               for t in chunk if t.trade_id in anchors]
        parts.append(Batch.of(chunk, due))
    store_all(store, parts)
    run(store, SPECS[0], parts[-1])  # folds everything before it from the stream
    k = store.symbol("sim", "BTC-USDT")
    seen = sorted(e.trade_id for e in store.events(k) if e.kind == "liquidation")
    assert seen == sorted(anchors)
    assert all(e.evidence["seen_after_trade"] == e.trade_id - 1
               for e in store.events(k) if e.kind == "liquidation")


def store_v1(store, parts):
    """Store batches in the layout written before batches carried bars (version 1)."""
    clock = BarClock()
    for batch in parts:
        t = batch.trades
        blob = msgpack.packb({"v": 1, "x": batch.exchange, "s": batch.symbol, "i": t.ids,
                              "t": t.times_ms, "p": t.prices, "q": t.sizes, "a": t.sides,
                              "r": batch.received_ns, "b": [], "l": []})
        closed = [b for row in t.rows() for b in clock.update(*row)]
        store.append(batch, blob, closed, clock)


def publish_all(store, parts):
    """Store batches as the feeder's publisher does, each with the bars it closes."""
    publisher = Publisher(store, None, (), threading.Event())
    return [publisher.publish(batch) for batch in parts]


def test_an_upgrade_mid_stream_goes_on_from_checkpoints_and_batches_stored_without_bars(store):
    parts = batches(walk(6000), 250)
    for batch in publish_all(store, parts):
        for spec in SPECS:
            run(store, spec, batch)
    expected = outcome(store)
    store.redis.flushdb()
    store_v1(store, parts[:10])
    for batch in parts[:8]:  # checkpoints with their own clock; two stored batches not run
        for spec in SPECS:
            run(store, spec, batch)
    for batch in publish_all(store, parts[10:]):  # caught up over the old batches first
        for spec in SPECS:
            run(store, spec, batch)
    assert outcome(store) == expected
