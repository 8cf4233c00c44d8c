"""A live Coinbase feed against local stand-ins: the websocket server replaying the real
Coinbase recording, the REST server serving its latest trades and one-minute candles."""

import itertools

import pytest

from feeder.exchanges.coinbase import Coinbase
from feeder.recordings import frames as recorded_frames
from feeder.rest import warm_up
from omega_tasks.core.types import MINUTE_MS
from tests.conftest import data_file
from tests.exchange_server import (
    CLOSE_TIMEOUT_S,
    ExchangeServer,
    Rest,
    Script,
    rest_server,
    wait_for,
)
from tests.feeding import feed_until

pytestmark = pytest.mark.data


def test_coinbase_products_share_a_connection_and_keep_every_trade_through_reconnects(store):
    frames = [frame for _, frame in
              recorded_frames(data_file("coinbase_ws/advtrade_btcusd_ethusd.jsonl.zst"))]
    rest = Rest.from_coinbase_frames(frames)
    btc = sorted(int(t["trade_id"]) for t in rest.products["BTC-USD"])
    eth = sorted(int(t["trade_id"]) for t in rest.products["ETH-USD"])
    skipped = (btc[80], btc[89])
    script = Script(frames, close_at={300, 700}, skip_ids=skipped, rewind=120)
    with ExchangeServer(script) as server, rest_server(rest) as rest_url:
        exchange = Coinbase(server.url, rest_url)
        report, heard = feed_until(store, exchange, {"BTC-USD": btc[-1], "ETH-USD": eth[-1]})
        assert server.connections == 3
        wait_for(lambda: len(server.close_waits) == 2, CLOSE_TIMEOUT_S / 5,
                 "the client to close its end of each connection the server closed")
        assert all('"product_ids": ["BTC-USD", "ETH-USD"]' in subscription
                   for subscription in server.subscriptions)

    for symbol, ids in (("BTC-USD", btc), ("ETH-USD", eth)):
        k = store.symbol("coinbase", symbol)
        assert list(store.trades_between(k, ids[0], ids[-1]).ids) == ids
        assert ids == list(range(ids[0], ids[-1] + 1))
    k = store.symbol("coinbase", "BTC-USD")
    (gap,) = [e for e in store.events(k) if e.kind == "gap"]
    assert (gap.evidence["first_missing_id"], gap.evidence["last_missing_id"]) == skipped
    assert gap.evidence["closed"] is True and gap.evidence["backfilled"] == 10
    assert heard.gaps == [(10, True)] and heard.dead_letters == []
    assert report.duplicates == heard.duplicates > 0
    assert report.trades == len(btc) + len(eth) and report.reconnects == 2
    feed = store.feed(k)
    assert 0 < float(feed["bid"]) < float(feed["ask"]) < 1.001 * float(feed["bid"])
    assert store.events(store.symbol("coinbase", "ETH-USD")) == []


def test_coinbase_warm_up_pages_through_candles_350_minutes_at_a_time(store):
    rest = Rest()
    rest.load_klines(data_file("klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz"))
    now_ms = 1_723_161_255_342
    with rest_server(rest) as rest_url:
        exchange = Coinbase("ws://127.0.0.1:9", rest_url)
        assert warm_up(store, exchange, ["BTC-USD"], 720, now_ms) == {"BTC-USD": 720}
    bars = store.bars(store.symbol("coinbase", "BTC-USD"))
    assert len(bars) == 720 and bars[-1].close_ms == now_ms - now_ms % MINUTE_MS
    assert all(b.open_ms - a.open_ms == MINUTE_MS for a, b in itertools.pairwise(bars))
    assert len(rest.requests) == 3 and all("granularity=ONE_MINUTE" in r for r in rest.requests)
