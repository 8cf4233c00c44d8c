"""Exchange parsers: real message shapes in, ticks out; bad input a dead letter, never a crash."""

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeder.exchanges.binance import BinanceSpot
from feeder.exchanges.fields import normal_symbol
from feeder.sources import (
    NEXT_ID,
    PREV_ID,
    UNNUMBERED,
    DepthSnapshot,
    DepthUpdate,
    Liquidated,
    Quote,
    Rejected,
)
from omega_tasks.errors import InputError
from omega_tasks.messages import Tick
from tests.frames import (
    COINBASE,
    COINBASE_HEARTBEAT,
    COINBASE_L2,
    COINBASE_TICKER,
    COINBASE_TRADES,
    NOW_NS,
    SPOT,
    SPOT_DEPTH,
    SPOT_QUOTE,
    SPOT_SNAPSHOT,
    SPOT_TRADE,
    USDM,
    USDM_DEPTH,
    USDM_LIQUIDATION,
    USDM_TRADE,
    json_values,
    mutated,
)


def test_a_binance_spot_trade_becomes_a_tick_with_exact_fields_and_the_aggressor_side():
    (tick,) = SPOT.parse(SPOT_TRADE, NOW_NS)
    assert tick == Tick("binance", "BTC-USDT", 3735683259, 61837.63, 0.02, -1,
                        1723161255342, NOW_NS)


def test_a_book_ticker_is_a_quote_of_best_bid_and_ask():
    (quote,) = SPOT.parse(SPOT_QUOTE, NOW_NS)
    # spot's best bid/ask carries no time: it is stamped with the time it was received
    assert quote == Quote("binance", "BTC-USDT", 61837.63, 3.78826, 61837.64, 1.54698, NOW_NS,
                          NOW_NS // 1_000_000)


def test_depth_updates_carry_their_ids_and_how_they_chain():
    (spot,) = SPOT.parse(SPOT_DEPTH, NOW_NS)
    assert spot == DepthUpdate("binance", "BTC-USDT", 50093239213, 50093239220, None,
                               ((61837.63, 4.1), (61837.1, 0.0)), ((61837.64, 1.2),),
                               1723161255400, NOW_NS, NEXT_ID)
    (futures,) = USDM.parse(USDM_DEPTH, NOW_NS)
    assert (futures.first_id, futures.last_id, futures.prev_id, futures.chaining) == (
        5123107832006, 5123107837557, 5123107831937, PREV_ID)
    assert futures.asks == ((61800.3, 0.0),)  # a size of 0 removes the level


@pytest.mark.parametrize(("level", "reason"), [
    ('["1e5","1.0"]', "b: expected a decimal string, got '1e5'"),
    ('["-61837.63","1.0"]', "b: expected a decimal string, got '-61837.63'"),
    ('["0.00","1.0"]', "b: a price must be above zero, got 0.0"),
    ('["61837.63","NaN"]', "b: expected a decimal string, got 'NaN'"),
    ('["61837.63",1.0]', "b: expected a decimal string, got 1.0"),
    ('["61837.63"]', "b: expected [price, size] pairs"),
])
def test_a_bad_depth_level_is_dead_lettered_naming_it(level, reason):
    frame = SPOT_DEPTH.replace('"b":[["61837.63000000","4.10000000"]', f'"b":[{level}')
    assert frame != SPOT_DEPTH
    (rejected,) = SPOT.parse(frame, NOW_NS)
    assert isinstance(rejected, Rejected) and reason in rejected.reason


def test_a_recorded_rest_snapshot_is_a_book_naming_no_symbol():
    (snap,) = SPOT.parse(SPOT_SNAPSHOT, NOW_NS)
    assert snap == DepthSnapshot("binance", "", 50093239212, ((61837.63, 3.78826),),
                                 ((61837.64, 1.54698),), NOW_NS // 1_000_000, NOW_NS)


def test_coinbase_level2_updates_are_unnumbered_new_sizes_per_level():
    (update,) = COINBASE.parse(COINBASE_L2, NOW_NS)
    assert update == DepthUpdate("coinbase", "BTC-USD", 11, 11, None, ((65083.66, 0.5),),
                                 ((65090.0, 0.0),), 1723161700298, NOW_NS, UNNUMBERED)
    snapshot = COINBASE_L2.replace('"type":"update"', '"type":"snapshot"')
    (book,) = COINBASE.parse(snapshot, NOW_NS)
    assert isinstance(book, DepthSnapshot) and book.bids == ((65083.66, 0.5),)


def test_without_books_depth_is_neither_read_nor_subscribed():
    spot = BinanceSpot("ws://127.0.0.1:1/stream", "http://127.0.0.1:1", books=False)
    assert spot.parse(SPOT_DEPTH, NOW_NS) == spot.parse(SPOT_SNAPSHOT, NOW_NS) == []
    assert "depth" not in spot.subscriptions(["BTC-USDT"])[0]
    assert "btcusdt@depth@100ms" in SPOT.subscriptions(["BTC-USDT"])[0]


def test_futures_trades_and_liquidations_are_read_as_their_own_kinds():
    (tick,) = USDM.parse(USDM_TRADE, NOW_NS)
    assert (tick.exchange, tick.symbol, tick.trade_id, tick.side) == (
        "binance-usdm", "BTC-USDT", 5266583935, 1)
    (liquidation,) = USDM.parse(USDM_LIQUIDATION, NOW_NS)
    assert liquidation == Liquidated("binance-usdm", "BTC-USDT", 1723161256399, -1, 61750.0,
                                     0.014)


def test_a_coinbase_snapshot_comes_out_in_trade_order_with_the_taker_side():
    ticks = COINBASE.parse(COINBASE_TRADES, NOW_NS)
    assert [t.trade_id for t in ticks] == [1068572089, 1068572090]
    assert [t.side for t in ticks] == [-1, 1]  # Coinbase names the maker's side
    assert ticks[1].exchange_ms == 1723161698514
    assert ticks[1].symbol == "BTC-USD"


def test_a_coinbase_ticker_is_a_quote_of_best_bid_and_ask():
    (quote,) = COINBASE.parse(COINBASE_TICKER, NOW_NS)
    assert quote == Quote("coinbase", "BTC-USD", 65083.66, 0.20371215, 65083.67, 0.24290402,
                          NOW_NS, 1723161700298)


@pytest.mark.parametrize("frame", [
    '{"result":null,"id":1}',
    '{"stream":"btcusdt@aggTrade","data":{}}',
])
def test_binance_replies_and_unused_streams_are_skipped_not_dead_lettered(frame):
    assert SPOT.parse(frame, NOW_NS) == []


@pytest.mark.parametrize("frame", [
    COINBASE_HEARTBEAT,
    '{"channel":"subscriptions","events":[{"subscriptions":{"market_trades":["BTC-USD"]}}]}',
])
def test_coinbase_heartbeats_and_subscription_replies_are_skipped(frame):
    assert COINBASE.parse(frame, NOW_NS) == []


def _with(data_changes: dict, drop: str | None = None) -> str:
    message = json.loads(SPOT_TRADE)
    message["data"].update(data_changes)
    if drop:
        del message["data"][drop]
    return json.dumps(message)


@pytest.mark.parametrize(("frame", "reason"), [
    ('{"stream":"btcusdt@trade","data":{"e":"tra', "malformed JSON"),
    ('{"stream":"btcusdt@mystery","data":{}}', "unknown message type"),
    ('{"hello":"world"}', "unknown message"),
    ("[1,2,3]", "expected a JSON object"),
    (_with({}, drop="p"), "missing field 'p'"),
    (_with({"p": "abc"}), "p: expected a decimal string"),
    (_with({"p": "-61837.63"}), "p: expected a decimal string"),
    (_with({"p": "0.00000000"}), "p: must be above zero"),
    (_with({"q": 0.02}), "q: expected a decimal string"),
    (_with({"p": "1e5"}), "p: expected a decimal string"),
    (_with({"p": "NaN"}), "p: expected a decimal string"),
    (_with({"T": 17231612553420}), "T: absurd time"),
    (_with({"T": 1000}), "T: absurd time"),
    (_with({"T": "1723161255342"}), "T: expected epoch milliseconds"),
    (_with({"t": -5}), "t: expected a non-negative integer id"),
    (_with({"m": "yes"}), "m: expected true or false"),
    (_with({"s": "XYZ"}), "unknown symbol"),
])
def test_bad_binance_input_is_rejected_with_its_reason_and_raw_bytes(frame, reason):
    (rejected,) = SPOT.parse(frame, NOW_NS)
    assert isinstance(rejected, Rejected)
    assert reason in rejected.reason
    assert rejected.raw == frame.encode()
    assert rejected.source == "binance"


def test_an_oversized_frame_is_rejected_keeping_its_head():
    small = BinanceSpot("ws://127.0.0.1:1", "http://127.0.0.1:1", max_frame_bytes=100)
    frame = SPOT_TRADE + " " * 200
    (rejected,) = small.parse(frame, NOW_NS)
    assert isinstance(rejected, Rejected)
    assert rejected.reason.startswith(f"oversized frame: {len(frame)} bytes")
    assert rejected.raw == frame.encode()[:65536]


@pytest.mark.parametrize(("change", "reason"), [
    ({"side": "UP"}, "side: expected BUY or SELL"),
    ({"time": "yesterday"}, "time: expected an ISO-8601 UTC time"),
    ({"time": "2024-02-30T00:00:00Z"}, "not a calendar time"),
    ({"trade_id": "12a"}, "trade_id: expected a non-negative integer id"),
    ({"size": "-1"}, "size: expected a decimal string"),
])
def test_bad_coinbase_trades_are_rejected(change, reason):
    message = json.loads(COINBASE_TRADES)
    message["events"][0]["trades"][0].update(change)
    (rejected,) = COINBASE.parse(json.dumps(message), NOW_NS)
    assert isinstance(rejected, Rejected)
    assert reason in rejected.reason


def test_symbols_are_normalised_to_base_dash_quote():
    assert normal_symbol("BTCUSDT") == "BTC-USDT"
    assert normal_symbol("btcusdt") == "BTC-USDT"
    assert normal_symbol("BTCFDUSD") == "BTC-FDUSD"
    assert normal_symbol("BTC-USD") == "BTC-USD"
    with pytest.raises(InputError):
        normal_symbol("USDT")


def test_subscriptions_name_every_stream_of_every_symbol():
    (frame,) = USDM.subscriptions(["BTC-USDT", "ETH-USDT"])
    assert json.loads(frame)["params"] == [
        "btcusdt@trade", "btcusdt@bookTicker", "btcusdt@forceOrder", "btcusdt@depth@100ms",
        "ethusdt@trade", "ethusdt@bookTicker", "ethusdt@forceOrder", "ethusdt@depth@100ms"]
    channels = [json.loads(f)["channel"] for f in COINBASE.subscriptions(["BTC-USD"])]
    assert channels == ["market_trades", "ticker", "level2", "heartbeats"]


# ---- fuzzing: whatever arrives, parse returns items and never raises ----

ITEM_TYPES = (Tick, Quote, Liquidated, DepthUpdate, DepthSnapshot, Rejected)
def _check(exchange, frame) -> None:
    items = exchange.parse(frame, NOW_NS)
    assert isinstance(items, list)
    assert all(isinstance(item, ITEM_TYPES) for item in items)
    for item in items:
        if isinstance(item, Tick):
            assert item.price > 0 and item.size > 0 and item.side in (1, -1)
        if isinstance(item, Rejected):
            assert item.reason and isinstance(item.raw, bytes)
        if isinstance(item, DepthUpdate | DepthSnapshot):  # sizes may be 0, prices may not
            assert all(p > 0 and q >= 0 for p, q in (*item.bids, *item.asks))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_no_byte_string_makes_any_parser_raise(raw):
    for exchange in (SPOT, USDM, COINBASE):
        _check(exchange, raw)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_no_json_value_makes_any_parser_raise(value):
    frame = json.dumps(value)
    for exchange in (SPOT, USDM, COINBASE):
        _check(exchange, frame)


@pytest.mark.parametrize(("exchange", "template"), [
    (SPOT, SPOT_TRADE), (SPOT, SPOT_QUOTE), (USDM, USDM_TRADE), (USDM, USDM_LIQUIDATION),
    (COINBASE, COINBASE_TRADES), (COINBASE, COINBASE_TICKER), (COINBASE, COINBASE_HEARTBEAT),
    (SPOT, SPOT_DEPTH), (USDM, USDM_DEPTH), (SPOT, SPOT_SNAPSHOT), (COINBASE, COINBASE_L2),
])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_no_mutation_of_a_real_message_makes_its_parser_raise(exchange, template, data):
    _check(exchange, data.draw(mutated(template)))


BINANCE_TRADES_REPLY = [{"id": 3735683259, "price": "61837.63", "qty": "0.02", "quoteQty": "0",
                         "time": 1723161255342, "isBuyerMaker": True, "isBestMatch": True}]
BINANCE_KLINES_REPLY = [[1723161180000, "61800.0", "61861.0", "61790.1", "61837.6", "12.5",
                         1723161239999, "0", 812, "6.1", "0", "0"]]
COINBASE_TRADES_REPLY = {"trades": json.loads(COINBASE_TRADES)["events"][0]["trades"]}
COINBASE_CANDLES_REPLY = {"candles": [{"start": "1723161180", "low": "64990.1",
                                       "high": "65100.0", "open": "65000.0",
                                       "close": "65083.7", "volume": "3.2"}]}


def _read_rest(exchange, payload) -> None:
    """A REST reply reads into ticks or bars, or raises InputError: nothing else."""
    for read in (lambda: exchange.read_trades(payload, "BTC-USDT", NOW_NS),
                 lambda: exchange.read_klines(payload)):
        with contextlib.suppress(InputError):
            read()


def test_real_rest_replies_read_into_backfilled_ticks_and_bars():
    (tick,) = SPOT.read_trades(BINANCE_TRADES_REPLY, "BTC-USDT", NOW_NS)
    assert (tick.trade_id, tick.price, tick.side, tick.backfilled) == (3735683259, 61837.63,
                                                                       -1, True)
    (bar,) = SPOT.read_klines(BINANCE_KLINES_REPLY)
    assert (bar.open_ms, bar.close, bar.volume, bar.buy_volume, bar.trades) == (
        1723161180000, 61837.6, 12.5, 6.1, 812)
    assert [t.trade_id for t in COINBASE.read_trades(COINBASE_TRADES_REPLY, "BTC-USD",
                                                     NOW_NS)] == [1068572090, 1068572089]
    (bar,) = COINBASE.read_klines(COINBASE_CANDLES_REPLY)
    assert (bar.open_ms, bar.open, bar.close) == (1723161180000, 65000.0, 65083.7)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_no_rest_reply_makes_a_reader_raise_anything_but_input_error(value):
    for exchange in (SPOT, USDM, COINBASE):
        _read_rest(exchange, value)


@pytest.mark.parametrize(("exchange", "template"), [
    (SPOT, BINANCE_TRADES_REPLY), (SPOT, BINANCE_KLINES_REPLY),
    (COINBASE, COINBASE_TRADES_REPLY), (COINBASE, COINBASE_CANDLES_REPLY),
])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_no_mutation_of_a_real_rest_reply_makes_a_reader_raise_anything_but_input_error(
        exchange, template, data):
    _read_rest(exchange, json.loads(data.draw(mutated(json.dumps(template)))))
