"""A live feed against local stand-ins for Binance: a websocket server replaying the real
recordings and misbehaving on command, and a REST server for backfill and klines."""

import itertools
import json
import threading

import pytest

from feeder.batcher import MicroBatcher
from feeder.exchanges.binance import BinanceSpot, BinanceUsdm
from feeder.publisher import Publisher
from feeder.recordings import Recorder
from feeder.rest import backfiller, warm_up
from feeder.sequencer import Gap
from feeder.service import Feeder
from feeder.sources.recording import RecordingSource
from feeder.sources.websocket import Timing
from omega_tasks.core.types import MINUTE_MS
from tests.conftest import data_file
from tests.exchange_server import (
    CLOSE_TIMEOUT_S,
    ExchangeServer,
    Rest,
    Script,
    rest_server,
    trade_frames,
    wait_for,
)
from tests.feeding import FAST, feed_until

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def two_days():
    return trade_frames(data_file("binance_ws/spot_btcusdt_20240808.gz"),
                        data_file("binance_ws/spot_btcusdt_20240809.gz"))


def first_id(frames):
    return int(frames[0].split('"t":')[1].split(",")[0])


def run_feed(store, server_url, rest_url, last_id, timing=FAST, recorder=None):
    """Feed Binance BTC-USDT from the websocket until trade ``last_id`` is stored."""
    return feed_until(store, BinanceSpot(server_url, rest_url), {"BTC-USDT": last_id}, timing,
                      recorder)


def test_two_recorded_days_through_three_disconnects_and_a_skipped_range_keep_every_trade_once(
        store, two_days):
    first = first_id(two_days)
    last = first + 19_903
    skipped = (first + 12_000, first + 12_049)
    corrupt_id = two_days[9_500].replace(f'"t":{first + 9_500},', '"t":1000000000000000,')
    script = Script(two_days, close_at={3_000, 9_000, 15_000}, skip_ids=skipped, rewind=40,
                    garbage_at={5_000: "not json at all",
                                7_000: '{"stream":"btcusdt@trade","data":{"e":"trade"}}',
                                9_500: corrupt_id})
    rest = Rest.from_trade_frames(two_days)
    with ExchangeServer(script) as server, rest_server(rest) as rest_url:
        report, heard = run_feed(store, server.url, rest_url, last)
        assert server.connections == 4
        wait_for(lambda: len(server.close_waits) == 3, CLOSE_TIMEOUT_S / 5,
                 "the client to close its end of each connection the server closed")
        assert len(set(server.subscriptions)) == 1 and "btcusdt@trade" in server.subscriptions[0]

    k = store.symbol("binance", "BTC-USDT")
    trades = store.trades_between(k, first, last)
    assert len(trades) == 19_904
    assert list(trades.ids) == list(range(first, last + 1))
    assert report.trades == 19_904 and report.duplicates == 120 == heard.duplicates
    (gap,) = [e for e in store.events(k) if e.detector == "feed"]
    assert gap.kind == "gap" and gap.evidence["closed"] is True
    assert (gap.evidence["first_missing_id"], gap.evidence["last_missing_id"]) == skipped
    assert gap.evidence["backfilled"] == 50
    assert heard.gaps == [(50, True)]
    backfilled = {i for b in store.batches(k, first - 1, count=100) for i in b.backfilled}
    assert backfilled == set(range(skipped[0], skipped[1] + 1))
    assert len(heard.reconnects) == 3 == report.reconnects
    assert all("closed" in reason for reason in heard.reconnects)
    assert heard.dead_letters[0].startswith("malformed JSON")
    assert heard.dead_letters[1] == "missing field 's'"
    assert heard.dead_letters[2].startswith("implausible trade id 1000000000000000")
    assert len(heard.dead_letters) == 3
    feed = store.feed(k)
    assert feed["gaps_closed"] == "1" and "gaps_open" not in feed
    assert feed["connection"] == "closed" and feed["reconnects"] == "3"


def as_ether(frame, id_offset):
    """A BTCUSDT trade frame restated as an ETHUSDT one, ids moved by ``id_offset``."""
    message = json.loads(frame)
    message["stream"] = "ethusdt@trade"
    message["data"].update(s="ETHUSDT", t=message["data"]["t"] + id_offset)
    return json.dumps(message, separators=(",", ":"))


def test_several_binance_symbols_share_one_connection_and_are_sequenced_apart(store, two_days):
    btc = two_days[:2_000]
    eth = [as_ether(frame, -3_000_000_000) for frame in btc]
    first = first_id(btc)
    skipped = (first - 3_000_000_000 + 700, first - 3_000_000_000 + 719)
    script = Script([f for pair in zip(btc, eth, strict=True) for f in pair], skip_ids=skipped,
                    close_at={1_500}, rewind=10)
    rest = Rest.from_trade_frames(btc + eth)
    with ExchangeServer(script) as server, rest_server(rest) as rest_url:
        exchange = BinanceSpot(server.url, rest_url)
        report, heard = feed_until(store, exchange, {
            "BTC-USDT": first + 1_999, "ETH-USDT": first - 3_000_000_000 + 1_999})
        assert server.connections == 2
        assert ('"btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth@100ms", '
                '"ethusdt@trade"') in server.subscriptions[1]
    for symbol, lo in (("BTC-USDT", first), ("ETH-USDT", first - 3_000_000_000)):
        k = store.symbol("binance", symbol)
        assert list(store.trades_between(k, lo, lo + 1_999).ids) == list(range(lo, lo + 2_000))
    assert heard.gaps == [(20, True)] and report.duplicates == 10
    (gap,) = store.events(store.symbol("binance", "ETH-USDT"))
    assert (gap.evidence["first_missing_id"], gap.evidence["last_missing_id"]) == skipped


def test_a_stall_is_noticed_by_the_watchdog_and_the_feed_reconnects_in_time(store, two_days):
    timing = Timing(watchdog_s=1.0, ping_interval_s=0.3, backoff_first_s=0.1,
                    backoff_max_s=0.3)
    frames = two_days[:3_000]
    first = first_id(frames)
    with ExchangeServer(Script(frames, stall_at={1_000})) as server, \
            rest_server(Rest()) as rest_url:
        report, heard = run_feed(store, server.url, rest_url, first + 2_999, timing)
        assert server.connections == 2
    (stale_at,) = [t for t, state in heard.states if state == "stale"]
    back_at = [t for t, state in heard.states if state == "connected"][1]
    assert heard.reconnects == ["stale: no data for 1s"]
    assert timing.watchdog_s <= stale_at - heard.quiet_since <= timing.watchdog_s + 0.5
    assert back_at - heard.quiet_since <= timing.watchdog_s + timing.backoff_max_s + 0.5
    assert report.trades == 3_000 and report.gaps == 0 and report.duplicates == 0


def test_the_client_answers_the_exchanges_pings_while_trades_flow(store, two_days):
    frames = two_days[:600]
    with ExchangeServer(Script(frames, ping_at={100, 400})) as server, \
            rest_server(Rest()) as rest_url:
        report, _ = run_feed(store, server.url, rest_url, first_id(frames) + 599)
    assert server.pongs == [True, True] and server.connections == 1
    assert report.trades == 600


def test_an_oversized_frame_over_the_socket_is_dead_lettered_and_the_feed_goes_on(store,
                                                                                 two_days):
    frames = two_days[:600]
    oversized = '{"stream":"btcusdt@trade","data":{"pad":"' + "x" * 10_000 + '"}}'
    with ExchangeServer(Script(frames, garbage_at={300: oversized})) as server, \
            rest_server(Rest()) as rest_url:
        exchange = BinanceSpot(server.url, rest_url, max_frame_bytes=4_096)
        report, heard = feed_until(store, exchange, {"BTC-USDT": first_id(frames) + 599})
    assert heard.dead_letters == [f"oversized frame: {len(oversized)} bytes (limit 4096)"]
    assert report.trades == 600 and report.reconnects == 0
    (letter,) = store.dead_letters()  # its head is kept, and its full size
    kept = store.retention.deadletter_bytes
    assert letter["raw"] == oversized.encode()[:kept] and int(letter["raw_bytes"]) == len(oversized)


def test_a_gap_the_exchange_cannot_fill_stays_open_and_visible(store, two_days):
    frames = two_days[:2_000]
    first = first_id(frames)
    rest = Rest.from_trade_frames(frames)
    for missing in range(first + 500, first + 510):
        del rest.trades[missing]
    rest.fail_next = 1  # one 503 first: retried, then the trades are simply not there
    script = Script(frames, skip_ids=(first + 500, first + 509))
    with ExchangeServer(script) as server, rest_server(rest) as rest_url:
        report, heard = run_feed(store, server.url, rest_url, first + 1_999)
    k = store.symbol("binance", "BTC-USDT")
    (gap,) = store.events(k)
    assert gap.evidence["closed"] is False and gap.evidence["missing"] == 10
    assert heard.gaps == [(10, False)]
    assert store.feed(k)["gaps_open"] == "1"
    assert report.trades == 1_990


def test_a_futures_liquidation_comes_over_the_socket_and_goes_before_the_next_trade(store):
    frames = trade_frames(data_file("binance_ws/usdm_btcusdt_20240808.gz"))[:1_500]
    first = first_id(frames)
    liquidation = ('{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1723161290000,'
                   '"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"0.250",'
                   '"p":"61900.10","ap":"61880.00","X":"FILLED","l":"0.25","z":"0.25",'
                   '"T":1723161290000}}}')
    with ExchangeServer(Script(frames, garbage_at={700: liquidation})) as server, \
            rest_server(Rest()) as rest_url:
        exchange = BinanceUsdm(server.url, rest_url)
        report, heard = feed_until(store, exchange, {"BTC-USDT": first + 1_499})
        assert "btcusdt@forceOrder" in server.subscriptions[0]
    k = store.symbol("binance-usdm", "BTC-USDT")
    stored = store.stored_between(k, first, first + 1_499)
    trades, liquidations = stored.trades, stored.liquidations
    assert len(trades) == 1_500 and report.liquidations == 1 and heard.dead_letters == []
    (placed,) = liquidations
    assert (placed.before_trade_id, placed.side, placed.price, placed.size) == (
        first + 700, 1, 61880.0, 0.25)


def test_a_long_gap_is_backfilled_only_at_its_newest_end_through_a_reply_cut_short(two_days):
    first = first_id(two_days)
    rest = Rest.from_trade_frames(two_days[:3_000])
    rest.cut_next = 1  # the first reply breaks off half way: retried
    with rest_server(rest) as rest_url:
        backfill = backfiller(BinanceSpot("ws://127.0.0.1:9", rest_url), most=1_500)
        got = backfill(Gap("binance", "BTC-USDT", first + 100, first + 2_099, 0, 0))
    assert [t.trade_id for t in got] == list(range(first + 600, first + 2_100))
    assert all(t.backfilled for t in got) and len(rest.requests) == 3


def test_warm_up_loads_closed_klines_before_now_only_for_symbols_without_history(store):
    rest = Rest()
    rest.load_klines(data_file("klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz"))
    now_ms = 1_723_161_255_342  # the first trade of the 2024-08-08 recording
    with rest_server(rest) as rest_url:
        exchange = BinanceSpot("ws://127.0.0.1:9/stream", rest_url)
        assert warm_up(store, exchange, ["BTC-USDT"], 1_500, now_ms) == {"BTC-USDT": 1_500}
        k = store.symbol("binance", "BTC-USDT")
        bars = store.bars(k)
        assert len(bars) == 1_500
        assert bars[-1].close_ms == now_ms - now_ms % MINUTE_MS
        assert all(b.open_ms - a.open_ms == MINUTE_MS for a, b in itertools.pairwise(bars))
        store.set_feed(k, last_trade_id=1, last_trade_ms=now_ms)
        assert warm_up(store, exchange, ["BTC-USDT"], 100, now_ms) == {"BTC-USDT": 0}
        assert len(rest.requests) == 2  # 1,000 a page


def test_a_recording_of_the_live_feed_replays_into_the_same_trades(store, two_days, tmp_path):
    frames = two_days[:1_500]
    first = first_id(frames)
    recorder = Recorder(tmp_path / "live.gz")
    with ExchangeServer(Script(frames)) as server, rest_server(Rest()) as rest_url:
        run_feed(store, server.url, rest_url, first + 1_499, recorder=recorder)
    recorder.close()
    k = store.symbol("binance", "BTC-USDT")
    live = store.trades_between(k, first, first + 1_499)
    store.forget(k)
    feeder = Feeder(store, Publisher(store, None, (), threading.Event()),
                    MicroBatcher(1000, 0.02))
    feeder.run(RecordingSource(tmp_path / "live.gz", BinanceSpot("ws://x", "http://x")))
    replayed = store.trades_between(k, first, first + 1_499)
    assert replayed.ids == live.ids and replayed.prices == live.prices
    assert replayed.sides == live.sides and len(replayed) == 1_500
