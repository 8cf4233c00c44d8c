"""Several venues in one feeder process: Binance spot and Coinbase side by side, each on a
connection of its own and its own REST side, against local exchange stand-ins."""

import json
import signal

import pytest

from feeder.recordings import frames as recorded_frames
from omega_tasks.cli.venues import symbols_of
from omega_tasks.errors import ConfigError
from tests.conftest import data_file
from tests.exchange_server import ExchangeServer, Rest, Script, rest_server, trade_frames, wait_for
from tests.integration.test_cli import omega
from tests.integration.test_live_commands import start


def test_plain_symbols_go_to_every_venue_and_prefixed_ones_to_theirs():
    assert symbols_of(("binance", "coinbase"), "eth-usdt, coinbase:BTC-USD") == {
        "binance": ("ETH-USDT",), "coinbase": ("ETH-USDT", "BTC-USD")}
    assert symbols_of(("binance-usdm", "coinbase"), "") == {
        "binance-usdm": ("BTC-USDT",), "coinbase": ("BTC-USD",)}
    with pytest.raises(ConfigError, match="kraken is not among the exchanges"):
        symbols_of(("binance",), "kraken:BTC-USD")


def test_an_unknown_exchange_in_the_list_is_refused_by_name():
    result = omega("feed", "--live", "--exchange", "binance,kraken", env={})
    assert result.returncode == 2 and "unknown exchange 'kraken'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.data
def test_omega_feed_live_follows_two_venues_with_one_connection_each(settings, store):
    spot = trade_frames(data_file("binance_ws/spot_btcusdt_20240808.gz"))[:1_500]
    first = int(spot[0].split('"t":')[1].split(",")[0])
    spot_gap = (first + 700, first + 719)
    coinbase = [frame for _, frame in
                recorded_frames(data_file("coinbase_ws/advtrade_btcusd_ethusd.jsonl.zst"))]
    coinbase_rest = Rest.from_coinbase_frames(coinbase)
    btc = sorted(int(t["trade_id"]) for t in coinbase_rest.products["BTC-USD"])
    eth = sorted(int(t["trade_id"]) for t in coinbase_rest.products["ETH-USD"])
    coinbase_gap = (btc[80], btc[89])
    with ExchangeServer(Script(spot, skip_ids=spot_gap)) as binance_ws, \
            ExchangeServer(Script(coinbase, skip_ids=coinbase_gap)) as coinbase_ws, \
            rest_server(Rest.from_trade_frames(spot)) as binance_rest_url, \
            rest_server(coinbase_rest) as coinbase_rest_url:
        env = {"OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix,
               "OMEGA_BINANCE_WS_URL": binance_ws.url,
               "OMEGA_BINANCE_REST_URL": binance_rest_url,
               "OMEGA_COINBASE_WS_URL": coinbase_ws.url,
               "OMEGA_COINBASE_REST_URL": coinbase_rest_url,
               "OMEGA_WATCHDOG_S": "1", "OMEGA_KLINES_AT_START": "0"}
        process = start("feed", "--live", "--exchange", "binance,coinbase", "--symbols",
                        "binance:BTC-USDT,coinbase:BTC-USD,coinbase:ETH-USD", env=env)
        # each client reads its whole script, then its watchdog reconnects on the quiet
        wait_for(lambda: min(binance_ws.connections, coinbase_ws.connections) >= 2
                 or process.poll() is not None, 90, "both venues to drain and reconnect")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "2 gaps" in out
        status = omega("status", "--json", "--no-workers", env=env | {
            "OMEGA_FEED_STALE_S": "1e9"})
    assert "btcusdt@trade" in binance_ws.subscriptions[0]
    assert "BTC-USD" in coinbase_ws.subscriptions[0] and "ETH-USD" in coinbase_ws.subscriptions[0]

    k = store.symbol("binance", "BTC-USDT")
    assert list(store.trades_between(k, first, first + 1_499).ids) == list(
        range(first, first + 1_500))
    for symbol, ids in (("BTC-USD", btc), ("ETH-USD", eth)):
        stored = store.trades_between(store.symbol("coinbase", symbol), ids[0], ids[-1])
        assert list(stored.ids) == list(range(ids[0], ids[-1] + 1))
    for exchange, symbol, gap in (("binance", "BTC-USDT", spot_gap),
                                  ("coinbase", "BTC-USD", coinbase_gap)):
        (event,) = [e for e in store.events(store.symbol(exchange, symbol)) if e.kind == "gap"]
        assert (event.evidence["first_missing_id"], event.evidence["last_missing_id"]) == gap
        assert event.evidence["closed"] is True  # backfilled by its own venue's REST

    venues = json.loads(status.stdout)["venues"]
    assert venues["binance"]["symbols"] == ["BTC-USDT"]
    assert sorted(venues["coinbase"]["symbols"]) == ["BTC-USD", "ETH-USD"]
    assert {v["gaps_open"] for v in venues.values()} == {0}
    assert all(v["reconnects"] >= 1 for v in venues.values())
