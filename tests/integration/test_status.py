"""``omega status`` as a health check: a real feed, a real worker, its exit code."""

import dataclasses
import json
import re
import time

from tests.integration.test_cli import dead_port, omega
from tests.pipeline import feed, settle
from tests.support import walk


def received_now(n):
    """Trades of a random walk, received just now (feed age is measured from receipt)."""
    now = time.time_ns()
    return [dataclasses.replace(t, received_ns=now) for t in walk(n)]


def status(settings, *args, stale_s="60"):
    result = omega("status", "--json", *args, env={
        "OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix,
        "OMEGA_FEED_STALE_S": stale_s})
    return result.returncode, json.loads(result.stdout)


def test_a_fed_and_analysed_symbol_with_workers_on_every_queue_is_healthy(
        settings, store, app, worker):
    settle(store, feed(store, app, received_now(3_000)))
    code, report = status(settings)
    assert code == 0, report["problems"]
    (fed,) = report["feeds"]
    assert (fed["exchange"], fed["symbol"], fed["last_trade_id"]) == ("sim", "BTC-USDT", 3_000)
    assert set(fed["lag_trades"].values()) == {0}
    assert all(q["workers"] for name, q in report["queues"].items() if name != "ml")
    assert report["queues"]["traps"]["waiting"] == 0


def test_a_stale_feed_and_a_closed_link_are_unhealthy(settings, store, app, worker):
    feed(store, app, received_now(500))
    k = store.symbol("sim", "BTC-USDT")
    store.set_feed(k, connection="closed", last_received_ns=time.time_ns() - 600 * 10**9)
    code, report = status(settings, "--no-workers")
    assert code == 1
    stale, closed = report["problems"]
    age = re.fullmatch(r"sim:BTC-USDT: no trade for (\d+) s \(limit 60 s\)", stale)
    assert age and int(age[1]) >= 600  # and however long the status took
    assert closed == "sim:BTC-USDT: connection closed"
    assert report["queues"]["traps"]["workers"] is None


def test_no_feed_and_no_workers_are_unhealthy_and_say_so(settings, store):
    result = omega("status", env={"OMEGA_REDIS_URL": settings.redis_url,
                                  "OMEGA_KEY_PREFIX": settings.key_prefix})
    assert result.returncode == 1
    assert "UNHEALTHY" in result.stdout
    assert "no feed has stored a trade" in result.stdout
    assert "queue traps: no worker consumes it" in result.stdout


def test_an_unreachable_redis_is_unhealthy_with_the_password_masked():
    result = omega("status", "--json", env={
        "OMEGA_REDIS_URL": f"redis://:hunter2@127.0.0.1:{dead_port()}/0"})
    assert result.returncode == 1
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem.startswith("Redis unreachable at redis://:***@127.0.0.1:")
    assert "hunter2" not in result.stdout + result.stderr
