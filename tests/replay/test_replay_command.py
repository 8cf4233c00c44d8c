"""``omega replay`` as a user runs it: a real recording through Redis and real workers."""

import pytest

from tests.conftest import data_file
from tests.integration.test_cli import omega

pytestmark = pytest.mark.data


def replay(settings, recording):
    """Run ``omega replay RECORDING --speed max`` on the test Redis; it must succeed."""
    result = omega("replay", str(data_file(recording)), "--speed", "max",
                   env={"OMEGA_REDIS_URL": settings.redis_url,
                        "OMEGA_KEY_PREFIX": settings.key_prefix})
    assert result.returncode == 0, result.stderr
    return result


def test_omega_replay_runs_a_binance_recording_through_the_whole_pipeline(settings, store):
    result = replay(settings, "binance_ws/spot_btcusdt_20240808.gz")
    assert "fed 9,757 trades" in result.stdout
    assert "gaps 0" in result.stdout and "dead letters 0" in result.stdout
    k = store.symbol("binance", "BTC-USDT")
    assert store.snapshot(k, "threshold")[0] == 3735693015
    assert len(store.trades_between(k, 3735683259, 3735693015)) == 9_757


def test_omega_replay_reads_the_coinbase_recording_format_for_both_products(settings, store):
    result = replay(settings, "coinbase_ws/advtrade_btcusd_ethusd.jsonl.zst")
    assert "as coinbase" in result.stdout and "1,030 frames read" in result.stdout
    assert "dead letters 0" in result.stdout
    for symbol in ("BTC-USD", "ETH-USD"):
        k = store.symbol("coinbase", symbol)
        last_id = int(store.feed(k)["last_trade_id"])
        assert store.snapshot(k, "threshold")[0] == last_id
        assert float(store.feed(k)["bid"]) > 0
    btc = store.symbol("coinbase", "BTC-USD")
    assert len(store.trades_between(btc, store.origin(btc), 10**12)) == 147
