import dataclasses
import json

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from omega_tasks.core.types import Bar, BookLevels, Finding, Liquidation, TopOfBook
from omega_tasks.errors import DecodeError
from omega_tasks.messages import Batch, Event, Tick, snapshot_json


def ticks(n=3, first=100):
    return [Tick("binance", "BTC-USDT", first + i, 61837.63 + i, 0.00056, 1 if i % 2 else -1,
                 1_723_161_255_342 + i, 1_723_161_254_087_896_568 + i, i == 1) for i in range(n)]


def test_a_batch_survives_its_wire_format_exactly():
    batch = Batch.of(ticks(), [Liquidation(1_723_161_255_400, -1, 61800.5, 0.25, 101)])
    again = Batch.decode(batch.encode())
    assert again == batch
    assert again.backfilled == (101,)
    assert again.trades.prices[0] == 61837.63  # decimal strings round-trip through float64


def test_a_batch_carries_the_bars_its_trades_close_and_the_trade_that_closed_each():
    bar = Bar(1_723_161_240_000, 1.5, 2.5, 1.0, 2.0, 3.0, 1.25, 7, 90, 96)
    batch = dataclasses.replace(Batch.of(ticks()), bars=((100, bar),))
    assert Batch.decode(batch.encode()).bars == ((100, bar),)
    assert Batch.decode(Batch.of(ticks()).encode()).bars is None  # not known: a fold closes them


def test_a_batch_carries_the_quotes_and_book_samples_placed_among_its_trades():
    quotes = [TopOfBook(1_723_161_255_300, 61837.63, 3.78826, 61837.64, 0.0, 100),
              TopOfBook(1_723_161_255_350, 61837.62, 1.5, 61837.63, 2.25, 102)]
    books = [BookLevels(1_723_161_255_320, ((61837.63, 3.5), (61837.1, 0.5)),
                        ((61837.64, 1.2),), True, 101),
             BookLevels(1_723_161_255_380, (), ((61837.64, 1.2),), False, 102)]
    batch = Batch.of(ticks(), quotes=quotes, books=books)
    assert Batch.decode(batch.encode()) == batch
    v2 = msgpack.unpackb(batch.encode())
    v2["v"] = 2
    del v2["k"], v2["d"]  # stored before batches carried them
    old = Batch.decode(msgpack.packb(v2))
    assert old.quotes == () and old.books == () and old.trades == batch.trades


def test_a_batch_stored_before_batches_carried_bars_decodes_without_them():
    batch = Batch.of(ticks())
    t = batch.trades
    v1 = msgpack.packb({"v": 1, "x": batch.exchange, "s": batch.symbol, "i": t.ids,
                        "t": t.times_ms, "p": t.prices, "q": t.sizes, "a": t.sides,
                        "r": batch.received_ns, "b": batch.backfilled, "l": []})
    assert Batch.decode(v1) == batch


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xc1",
        msgpack.packb([1, 2, 3]),
        msgpack.packb({"v": 99}),
        msgpack.packb({"v": 1, "x": "binance", "s": "BTC-USDT", "i": [2, 1], "t": [1, 2],
                       "p": [1.0, 2.0], "q": [1.0, 1.0], "a": [1, 1], "r": [1, 2], "b": [],
                       "l": []}),
        msgpack.packb({"v": 1, "x": "binance", "s": "BTC-USDT", "i": [1], "t": [1],
                       "p": ["1.0"], "q": [1.0], "a": [1], "r": [1], "b": [], "l": []}),
    ],
)
def test_bytes_that_are_not_a_batch_raise_a_decode_error_keeping_them(raw):
    with pytest.raises(DecodeError) as caught:
        Batch.decode(raw)
    assert caught.value.raw == raw
    assert caught.value.reason


@given(st.binary(max_size=300))
def test_decoding_arbitrary_bytes_never_raises_anything_but_a_decode_error(raw):
    try:
        Batch.decode(raw)
    except DecodeError as exc:
        assert exc.raw == raw


def test_event_ids_depend_only_on_where_and_what():
    finding = Finding("liquidity_grab_high", 42, 1_000, {"level": 101.5})
    a = Event.of("binance", "BTC-USDT", "traps", finding)
    b = Event.of("binance", "BTC-USDT", "traps", finding)
    assert a == b and a.id == "binance:BTC-USDT:traps:liquidity_grab_high:42"
    keyed = Event.of("binance", "BTC-USDT", "traps", Finding("x", 42, 1, {}, key="101.5"))
    assert keyed.id.endswith(":42:101.5")


def test_events_are_json_that_reads_back_the_same():
    event = Event.of("binance", "BTC-USDT", "traps",
                     Finding("bull_trap", 7, 9, {"depth_atr": 0.4, "nan": float("nan")}))
    assert event.evidence["nan"] is None
    assert Event.from_json(event.to_json()) == event
    with pytest.raises(DecodeError):
        Event.from_json(b"{not json")


def test_snapshots_are_json_with_non_finite_numbers_as_null():
    assert json.loads(snapshot_json({"a": float("inf"), "b": (1, 2)})) == {"a": None, "b": [1, 2]}
