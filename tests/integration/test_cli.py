"""The omega command as a user runs it: a subprocess, real Redis, real workers."""

import os
import pathlib
import socket
import subprocess
import sys

import pytest

from omega_tasks.progress import wait_until_covered

BIN = pathlib.Path(sys.executable).parent


def omega(*args: str, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    return subprocess.run([str(BIN / "omega"), *args], env=clean | env, capture_output=True,
                          text=True, timeout=timeout)


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_runs_end_to_end_on_the_configured_redis(settings, store, tmp_path):
    chart = tmp_path / "demo.png"
    result = omega("demo", "--hours", "0.75", "--chart", str(chart),
                   env={"OMEGA_REDIS_URL": settings.redis_url,
                        "OMEGA_KEY_PREFIX": settings.key_prefix})
    assert result.returncode == 0, result.stderr
    assert "Omega demo: simulated BTC-USDT" in result.stdout
    assert "threshold" in result.stdout and "warm=True" in result.stdout
    assert "fib/leg" in result.stdout and "fib/touch" in result.stdout
    assert "Trend (alignment" in result.stdout and "\n  5m    " in result.stdout
    assert "present signals agree" in result.stdout
    assert "Trend model v1: " in result.stdout and "prediction changes: " in result.stdout
    fib = result.stdout.split("Fibonacci levels of each timeframe's last confirmed leg")[1]
    assert " → " in fib.split("\n")[2]  # the 1m row names its leg
    assert "Confluence zones: " in fib and "Golden legs: " in fib
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    k = store.symbol("sim", "BTC-USDT")
    last_id = int(store.feed(k)["last_trade_id"])
    assert store.snapshot(k, "threshold")[0] == last_id
    assert store.snapshot(k, "harmony")[0] == last_id
    prediction = store.snapshot(k, "prediction")
    assert prediction[0] == last_id and prediction[1]["status"] == "ok"
    assert prediction[1]["model_version"] == 1
    covered, volatility = store.snapshot(k, "volatility")
    assert covered == last_id and volatility["warm"] and volatility["sigma"]["5m"] > 0
    assert volatility["regime"] in ("calm", "active", "extreme")


def test_the_demo_starts_an_embedded_redis_when_none_answers(tmp_path):
    chart = tmp_path / "demo.png"
    result = omega("demo", "--hours", "0.5", "--chart", str(chart),
                   env={"OMEGA_REDIS_URL": f"redis://127.0.0.1:{dead_port()}/0"})
    assert result.returncode == 0, result.stderr
    assert "Redis: unix://" in result.stdout
    assert chart.exists()


def test_never_embedded_means_an_unreachable_redis_is_an_error(tmp_path):
    result = omega("demo", "--hours", "0.1", env={
        "OMEGA_REDIS_URL": f"redis://127.0.0.1:{dead_port()}/0", "OMEGA_EMBEDDED": "never"})
    assert result.returncode == 2
    assert "OMEGA_REDIS_URL" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("OMEGA_BATCH_MS", "-5"), ("OMEGA_TYPO", "1")])
def test_bad_configuration_exits_non_zero_naming_the_variable(name, value):
    result = omega("state", env={name: value})
    assert result.returncode == 2
    assert name in result.stderr


def test_events_and_state_print_what_the_pipeline_stored(settings, store, app, worker):
    from tests.pipeline import feed, settle
    from tests.support import walk

    settle(store, feed(store, app, walk(3_000)[:1_000] + walk(3_000)[1_005:]))
    env = {"OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix}
    state = omega("state", env=env)
    assert state.returncode == 0, state.stderr
    assert "sim:BTC-USDT" in state.stdout and "threshold (through trade 3000)" in state.stdout
    events = omega("events", "--json", env=env)
    assert events.returncode == 0, events.stderr
    assert '"kind":"gap"' in events.stdout
    text = omega("events", env=env)
    assert "feed/gap" in text.stdout and "missing=5" in text.stdout


def test_events_follow_streams_new_events_as_they_are_published(settings, store, app, worker):
    from tests.pipeline import feed
    from tests.support import walk

    env = {"OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    follower = subprocess.Popen([str(BIN / "omega"), "events", "--follow", "--json"],
                                env=clean | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    try:
        assert "following" in follower.stderr.readline()
        ticks = walk(2_000)
        feed(store, app, ticks[:500] + ticks[520:])
        line = follower.stdout.readline()
        assert '"detector":"feed"' in line and '"missing":20' in line
    finally:
        follower.terminate()
        follower.wait(10)


def test_feed_replays_a_tick_file_for_workers_running_elsewhere(settings, store, worker, tmp_path):
    from tests.support import walk

    ticks = walk(2_500)
    path = tmp_path / "ticks.csv"
    path.write_text("trade_id,time_ms,price,size,side\n" + "".join(
        f"{t.trade_id},{t.exchange_ms},{t.price},{t.size},{t.side}\n" for t in ticks))
    env = {"OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix}
    result = omega("feed", "--file", str(path), "--exchange", "test", env=env)
    assert result.returncode == 0, result.stderr
    assert "fed 2,500 trades" in result.stdout
    k = store.symbol("test", "BTC-USDT")
    assert wait_until_covered(store, k, ["threshold"], 2_500, timeout_s=60)
    assert store.trades_between(k, 1, 2_500).prices == tuple(t.price for t in ticks)


def test_feed_refuses_a_file_that_is_not_trades_or_candles(settings, tmp_path):
    path = tmp_path / "nonsense.csv"
    path.write_text("a,b,c\n1,2,3\n")
    result = omega("feed", "--file", str(path), env={"OMEGA_REDIS_URL": settings.redis_url})
    assert result.returncode == 1
    assert "not a candle or tick CSV" in result.stderr
