"""``omega run`` and ``omega record`` as a user runs them, against local exchange stand-ins."""

import os
import signal
import subprocess

import pytest

from feeder.recordings import frames as recorded_frames
from tests.conftest import data_file
from tests.exchange_server import ExchangeServer, Rest, Script, rest_server, trade_frames, wait_for
from tests.integration.test_cli import BIN

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def tape():
    return trade_frames(data_file("binance_ws/spot_btcusdt_20240808.gz"))[:2_500]


def start(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    return subprocess.Popen([str(BIN / "omega"), *args], env=clean | env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def stop_when_drained(process, server):
    """SIGTERM once the client has read every frame: its watchdog then finds the socket
    quiet and reconnects, which the server sees as a second connection."""
    wait_for(lambda: server.connections >= 2 or process.poll() is not None, 60,
             "the client to drain the socket and reconnect")
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_omega_run_flushes_the_last_batch_on_sigterm(settings, store, tape):
    first = int(tape[0].split('"t":')[1].split(",")[0])
    rest = Rest()
    rest.load_klines(data_file("klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz"))
    rest.klines = [k for k in rest.klines if k[0] < 1_723_161_240_000]  # before the tape
    with ExchangeServer(Script(tape)) as server, rest_server(rest) as rest_url:
        process = start("run", "--workers", "1", env={
            "OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix,
            "OMEGA_BINANCE_WS_URL": server.url, "OMEGA_BINANCE_REST_URL": rest_url,
            "OMEGA_WATCHDOG_S": "1", "OMEGA_KLINES_AT_START": "60",
            "OMEGA_BATCH_MS": "600000", "OMEGA_BATCH_MAX": "1000"})
        code, out, err = stop_when_drained(process, server)
    assert code == 0, err
    assert "warm-up: 60 closed 1m klines for binance:BTC-USDT" in out
    assert "fed 2,500 trades" in out
    k = store.symbol("binance", "BTC-USDT")
    assert int(store.feed(k)["last_trade_id"]) == first + 2_499  # the last 500 came on SIGTERM
    assert store.snapshot(k, "threshold")[0] == first + 2_499
    assert len(store.bars(k, before_ms=1_723_161_240_000)) == 60


def test_omega_record_writes_frames_that_replay_reads(tape, tmp_path):
    out_file = tmp_path / "recorded.gz"
    with ExchangeServer(Script(tape)) as server:
        process = start("record", str(out_file), "--symbols", "BTC-USDT",
                        env={"OMEGA_BINANCE_WS_URL": server.url, "OMEGA_WATCHDOG_S": "1"})
        code, out, err = stop_when_drained(process, server)
    assert code == 0, err
    assert "recorded 2,500 frames (2,500 trades, 0 unreadable)" in out
    got = [frame for _, frame in recorded_frames(out_file)]
    assert got == tape


def test_omega_feed_live_backfills_a_gap_flushes_on_sigterm_and_starts_when_klines_fail(
        settings, store, tape):
    first = int(tape[0].split('"t":')[1].split(",")[0])
    skipped = (first + 1_000, first + 1_029)
    rest = Rest.from_trade_frames(tape)
    rest.fail_next = 4  # every try of the klines request: warm-up gives up, the feed goes on
    with ExchangeServer(Script(tape, skip_ids=skipped)) as server, \
            rest_server(rest) as rest_url:
        process = start("feed", "--live", "--symbols", "BTC-USDT", env={
            "OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix,
            "OMEGA_BINANCE_WS_URL": server.url, "OMEGA_BINANCE_REST_URL": rest_url,
            "OMEGA_WATCHDOG_S": "1", "OMEGA_KLINES_AT_START": "60",
            "OMEGA_BATCH_MS": "600000", "OMEGA_BATCH_MAX": "1000"})
        code, out, err = stop_when_drained(process, server)
    assert code == 0, err
    assert "warm-up failed, starting without history" in err
    assert "fed 2,500 trades" in out and "1 gaps" in out
    k = store.symbol("binance", "BTC-USDT")
    assert list(store.trades_between(k, first, first + 2_499).ids) == list(
        range(first, first + 2_500))
    (gap,) = [e for e in store.events(k) if e.kind == "gap"]
    assert gap.evidence["closed"] is True and gap.evidence["backfilled"] == 30
    assert store.bars(k, before_ms=1_723_161_240_000) == []
