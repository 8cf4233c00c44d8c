"""A Redis at its maxmemory (noeviction) refuses writes: the feeder waits and says so, in its
metrics and in ``omega status``, and carries on once memory is freed; stopped while it waits,
it ends with one line, not a traceback."""

import json
import signal
import subprocess

import redis

from omega_tasks.config import Settings
from tests.faults.fleet import BIN, environment, free_port, private_redis
from tests.scrape import poll, scrape, value

FULL = "3mb"  # a few hundred stored batches and their task messages fill it
FEED = ["feed", "--simulate", "--hours", "4"]


def status(env):
    done = subprocess.run([str(BIN / "omega"), "status", "--no-workers", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    return json.loads(done.stdout)


def test_a_full_redis_stalls_the_feeder_visibly_until_memory_is_freed(tmp_path):
    with private_redis("--maxmemory", FULL) as server:
        settings = Settings(redis_url=server.url, key_prefix="omega-full")
        port = free_port()
        env = environment(settings) | {"OMEGA_METRICS_PORT": str(port)}
        with open(tmp_path / "feeder.log", "wb") as out:
            feeder = subprocess.Popen([str(BIN / "omega"), *FEED], env=env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            poll(lambda: scrape(port),
                 lambda s: value(s, "omega_feeder_writes_failing", reason="redis full") == 1,
                 60, "the feeder to say Redis is full")
            report = status(env)
            assert not report["healthy"], report["redis_memory"]
            assert any("Redis is full" in p or "Redis full" in p for p in report["problems"])
            redis.Redis(port=server.port).config_set("maxmemory", "0")
            assert feeder.wait(120) == 0
        finally:
            if feeder.poll() is None:
                feeder.kill()
        stored = redis.Redis(port=server.port).hget("omega-full:sim:BTC-USDT:feed", "trades")
        fed = (tmp_path / "feeder.log").read_text()
        assert f"fed {int(stored):,} trades" in fed and "Traceback" not in fed


def test_a_feeder_stopped_while_redis_is_full_ends_with_one_line(tmp_path):
    with private_redis("--maxmemory", FULL) as server:
        settings = Settings(redis_url=server.url, key_prefix="omega-full")
        port = free_port()
        env = environment(settings) | {"OMEGA_METRICS_PORT": str(port)}
        feeder = subprocess.Popen([str(BIN / "omega"), *FEED], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, start_new_session=True)
        poll(lambda: scrape(port),
             lambda s: value(s, "omega_feeder_writes_failing", reason="redis full") == 1,
             60, "the feeder to say Redis is full")
        feeder.send_signal(signal.SIGTERM)
        _, err = feeder.communicate(timeout=60)
    assert feeder.returncode != 0 and "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("omega:")]
