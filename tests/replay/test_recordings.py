"""Real exchange recordings through the real parsers and the real feeder, into a real Redis."""

import gzip
import itertools
import threading
from collections import Counter

import pytest

from feeder.batcher import MicroBatcher
from feeder.exchanges.binance import BinanceSpot, BinanceUsdm
from feeder.exchanges.named import exchange_named
from feeder.publisher import Publisher
from feeder.recordings import Recorder, exchange_of, frames
from feeder.service import Feeder
from feeder.sources import Rejected
from feeder.sources.recording import RecordingSource
from feeder.tape import read_tape
from omega_tasks.config import Settings
from omega_tasks.messages import Tick
from tests.conftest import data_file

pytestmark = pytest.mark.data

TRADES = {
    "binance_ws/spot_btcusdt_20240808.gz": ("binance", 9_757),
    "binance_ws/spot_btcusdt_20240809.gz": ("binance", 10_147),
    "binance_ws/spot_btcusdt_20230405.gz": ("binance", 3_144),
    "binance_ws/usdm_btcusdt_20240808.gz": ("binance-usdm", 21_313),
}


def parsed(path, exchange):
    return [item for ns, frame in frames(path) for item in exchange.parse(frame, ns)]


@pytest.mark.parametrize("name", sorted(TRADES))
def test_every_binance_recording_parses_into_its_trades_with_consecutive_ids(name):
    path = data_file(name)
    exchange_name, count = TRADES[name]
    assert exchange_of(path) == exchange_name
    items = parsed(path, exchange_named(exchange_name, Settings()))
    ticks = [i for i in items if isinstance(i, Tick)]
    assert not [i for i in items if isinstance(i, Rejected)]
    assert len(ticks) == count
    assert all(b.trade_id == a.trade_id + 1 for a, b in itertools.pairwise(ticks))
    assert all(t.received_ns > 10**18 for t in ticks)  # µs stamps of 2023 read as ns too


def test_the_coinbase_recording_parses_into_consecutive_btc_and_eth_trades():
    path = data_file("coinbase_ws/advtrade_btcusd_ethusd.jsonl.zst")
    assert exchange_of(path) == "coinbase"
    items = parsed(path, exchange_named("coinbase", Settings()))
    assert not [i for i in items if isinstance(i, Rejected)]
    by_symbol = Counter(i.symbol for i in items if isinstance(i, Tick))
    assert by_symbol["BTC-USD"] >= 147  # the snapshot repeats some; the feeder drops those
    btc = sorted({i.trade_id for i in items if isinstance(i, Tick) and i.symbol == "BTC-USD"})
    assert btc == list(range(btc[0], btc[0] + len(btc)))


def feeder_for(store, stop=None):
    stop = stop or threading.Event()
    return Feeder(store, Publisher(store, None, (), stop), MicroBatcher(1000, 0.02))


def test_garbage_among_real_frames_is_dead_lettered_and_every_trade_still_stored(store,
                                                                                 tmp_path):
    path = data_file("binance_ws/spot_btcusdt_20240808.gz")
    garbage = ['{"stream":"btcusdt@trade","data":{"e":"trade"', "\x00\x01 not json",
               '{"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,'
               '"p":"-1","q":"1","T":1723161255342,"m":true}}']
    mixed = tmp_path / "mixed.gz"
    with gzip.open(mixed, "wt") as out:
        for n, (ns, frame) in enumerate(frames(path)):
            out.write(f"{ns} {frame}\n")
            if n % 5000 == 17:
                out.write(f"{ns} {garbage[n // 5000 % 3]}\n")
    report = feeder_for(store).run(RecordingSource(mixed, BinanceSpot("ws://x", "http://x")))
    assert report.trades == 9_757 and report.gaps == 0 and report.duplicates == 0
    letters = store.dead_letters()
    assert report.dead_letters == len(letters) == 9
    assert {letter["source"] for letter in letters} == {b"binance"}
    assert [letter["raw"] for letter in letters] == [garbage[i % 3].encode() for i in range(9)]
    assert letters[0]["reason"].startswith(b"malformed JSON")
    assert letters[1]["reason"].startswith(b"malformed JSON")
    assert letters[2]["reason"] == b"p: expected a decimal string, got '-1'"
    k = store.symbol("binance", "BTC-USDT")
    feed = store.feed(k)
    assert float(feed["bid"]) > 0 and float(feed["ask"]) >= float(feed["bid"])
    stored = store.trades_between(k, 3735683259, 10**12)
    assert len(stored) == 9_757


def test_a_liquidation_reaches_the_batch_just_before_the_trade_that_followed_it(store,
                                                                                 tmp_path):
    path = data_file("binance_ws/usdm_btcusdt_20240808.gz")
    recording = tmp_path / "usdm.gz"
    recorder = Recorder(recording)
    trades = 0
    after_id = None
    for ns, frame in frames(path):
        recorder.write(ns, frame)
        if '"e":"trade"' in frame:
            trades += 1
            if trades == 1500:
                recorder.write(ns + 1, (
                    '{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1723161290000,'
                    '"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.500",'
                    '"p":"61700.10","ap":"61750.00","X":"FILLED","l":"0.5","z":"0.5",'
                    '"T":1723161290000}}}'))
                after_id = int(frame.split('"t":')[1].split(",")[0]) + 1
        if trades > 3000:
            break
    recorder.close()
    report = feeder_for(store).run(RecordingSource(recording, BinanceUsdm("ws://x", "http://x")))
    assert report.liquidations == 1
    k = store.symbol("binance-usdm", "BTC-USDT")
    stored = store.stored_between(k, store.origin(k), 10**12)
    trades_read, liquidations = stored.trades, stored.liquidations
    assert len(trades_read) == report.trades
    (liquidation,) = liquidations
    assert liquidation.before_trade_id == after_id
    assert (liquidation.side, liquidation.price, liquidation.size) == (-1, 61750.0, 0.5)


@pytest.mark.parametrize("name", ["binance_ws/spot_btcusdt_20240808.gz",
                                  "binance_ws/usdm_btcusdt_20240808.gz"])
def test_a_recording_read_offline_is_what_the_feeder_stores(store, name):
    path = data_file(name)
    exchange = exchange_named(exchange_of(path), Settings())
    (tape,) = read_tape(path, exchange).values()
    feeder_for(store).run(RecordingSource(path, exchange))
    k = store.symbol(tape.exchange, tape.symbol)
    stored = store.stored_between(k, store.origin(k), 10**12)
    assert stored.trades == tape.trades and len(tape.trades) == TRADES[name][1]
    assert list(stored.quotes) == tape.quotes and list(stored.books) == tape.books
    assert list(stored.liquidations) == tape.liquidations
    synced = [b.synced for b in tape.books]  # warming until the recorded snapshot, then synced
    assert True in synced and all(synced[synced.index(True):])
