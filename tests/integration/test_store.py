from dataclasses import replace

import msgpack
import pytest

from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import Finding
from omega_tasks.errors import HistoryTrimmed
from omega_tasks.messages import Batch, Event
from omega_tasks.store import Store
from tests.support import batches, walk


def append_all(store, parts):
    clock = BarClock()
    for batch in parts:
        closed = [b for row in batch.trades.rows() for b in clock.update(*row)]
        store.append(batch, batch.encode(), closed, clock)
    return clock


def test_a_batch_is_appended_once_however_often_it_is_written(store):
    parts = batches(walk(300), 100)
    append_all(store, parts)
    k = store.symbol("sim", "BTC-USDT")
    assert store.append(parts[1], parts[1].encode(), [], BarClock()) is False
    assert store.redis.xlen(k.ticks) == 3
    feed = store.feed(k)
    assert feed["trades"] == "300" and feed["last_trade_id"] == "300"
    assert feed["origin_trade_id"] == "1"
    assert store.symbols() == [("sim", "BTC-USDT")]


def test_trades_are_read_back_by_id_across_batches(store):
    ticks = walk(300)
    append_all(store, batches(ticks, 70))
    k = store.symbol("sim", "BTC-USDT")
    got = store.trades_between(k, 65, 212)
    assert got.ids == tuple(range(65, 213))
    assert got.prices == tuple(t.price for t in ticks[64:212])
    assert len(store.trades_between(k, 10, 9)) == 0


def test_bars_closed_by_the_feeder_are_stored_once_in_time_order(store):
    ticks = walk(2000)
    clock = append_all(store, batches(ticks, 150))
    k = store.symbol("sim", "BTC-USDT")
    bars = store.bars(k)
    assert [b.open_ms for b in bars] == sorted({b.open_ms for b in bars})
    assert bars[-1].open_ms < clock.open_ms
    assert sum(b.trades for b in bars) + clock.n == 2000
    assert store.bar_clock(k).dump() == clock.dump()
    assert store.bars(k, before_ms=bars[3].open_ms) == bars[:3]


def test_reading_trades_that_were_trimmed_raises_history_trimmed(settings):
    store = Store.connect(settings)
    store.redis.flushdb()
    small = Store(store.redis, store.keys, replace(store.retention, trades=500))
    append_all(small, batches(walk(5000), 100))
    k = small.symbol("sim", "BTC-USDT")
    with pytest.raises(HistoryTrimmed):
        small.trades_between(k, 1, 50)
    assert small.trades_between(k, 4800, 4810).ids == tuple(range(4800, 4811))
    store.redis.flushdb()


def event(trade_id, kind="x"):
    return Event.of("sim", "BTC-USDT", "test", Finding(kind, trade_id, trade_id * 10, {"n": 1}))


def test_a_commit_repeated_adds_each_event_once_and_snapshots_only_move_forward(store):
    k = store.symbol("sim", "BTC-USDT")
    first = store.commit(k, "test", [event(5), event(9)], 10, b"ck10", {"test": '{"at":10}'})
    again = store.commit(k, "test", [event(5), event(9)], 10, b"ck10", {"test": '{"at":10}'})
    assert first == ([event(5), event(9)], True) and again == ([], False)
    late = store.commit(k, "test", [event(3)], 4, b"ck4", {"test": '{"at":4}'})
    assert late == ([event(3)], False)
    assert store.snapshot(k, "test") == (10, {"at": 10})
    assert [e.trade_id for e in store.events(k)] == [5, 9, 3]
    assert store.checkpoint_at_or_before(k, "test", 10**12).covered == 10
    assert store.checkpoint_at_or_before(k, "test", 9).blob == b"ck4"


def test_one_commit_writes_every_published_snapshot_and_keeps_views_only_where_asked(store):
    k = store.symbol("sim", "BTC-USDT")
    for last in (10, 20):
        store.commit(k, "test", [], last, b"ck", {"test": f'{{"at":{last}}}',
                                                  "also": f'{{"at":{last}}}'}, history=("test",))
    assert store.snapshot(k, "test") == store.snapshot(k, "also") == (20, {"at": 20})
    assert store.views_at(k, ["test", "also"], 10) == {"test": {"at": 10}, "also": None}
    assert store.views_at(k, ["test"], 15) == {"test": None}


def test_only_the_newest_checkpoints_are_kept(settings):
    store = Store.connect(settings)
    store.redis.flushdb()
    small = Store(store.redis, store.keys, replace(store.retention, checkpoints=3))
    k = small.symbol("sim", "BTC-USDT")
    for i in range(1, 8):
        small.commit(k, "test", [], i * 10, msgpack.packb(i))
    kept = store.redis.zrange(k.checkpoints("test"), 0, -1, withscores=True)
    assert [int(s) for _, s in kept] == [50, 60, 70]
    store.redis.flushdb()


def test_dead_letters_keep_the_raw_bytes_and_the_reason(store):
    store.dead_letter("binance", "malformed JSON", b"\x00{oops")
    (letter,) = store.dead_letters()
    assert letter["raw"] == b"\x00{oops" and letter["reason"] == b"malformed JSON"


def test_oversized_dead_letters_keep_their_start_and_size_so_the_family_stays_small(store):
    frame = b"{" + b"x" * 900_000
    for _ in range(20):
        store.dead_letter("binance", "oversized frame", frame)
    letters = store.dead_letters()
    assert len(letters) == 20
    assert all(d["raw"] == frame[: store.retention.deadletter_bytes] for d in letters)
    assert all(int(d["raw_bytes"]) == len(frame) for d in letters)
    assert store.redis.memory_usage(store.keys.deadletter) < 20 * 2 * 4_096 + 65_536


def test_forgetting_a_symbol_removes_all_of_its_keys(store):
    append_all(store, batches(walk(1000), 100))
    k = store.symbol("sim", "BTC-USDT")
    assert store.forget(k) == 3  # ticks, bars, feed
    assert store.symbols() == [] and store.redis.keys(f"{k.base}:*") == []


def test_a_batch_in_the_stream_is_byte_identical_to_what_was_sent(store):
    (batch,) = batches(walk(50), 50)
    append_all(store, [batch])
    k = store.symbol("sim", "BTC-USDT")
    assert store.batches(k) == [Batch.decode(batch.encode())]
