"""Every subcommand given nonsense, in its arguments or its settings: one line and an exit
code, never a traceback."""

import gzip
import os
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.faults.fleet import BIN, free_port

DOWN = "redis://127.0.0.1:1/0"  # nothing listens there


def garbage_recording(folder):
    path = folder / "garbage.gz"
    path.write_bytes(gzip.compress(b"\x00\x01 not a frame\n" * 50))
    return path


def cases(tmp_path):
    """(arguments, extra environment) that must each end with a message, not a traceback."""
    bad = garbage_recording(tmp_path)
    return [
        (["feed", "--simulate", "--hours", "0"], {}),
        (["feed", "--simulate", "--hours", "-5"], {}),
        (["feed", "--simulate", "--hours", "nan"], {}),
        (["feed", "--simulate", "--speed", "fast"], {}),
        (["feed", "--file", "/nonexistent.csv"], {}),
        (["feed", "--file", str(bad)], {}),
        (["replay", "/tmp"], {}),
        (["replay", "/nonexistent.gz"], {}),
        (["replay", str(bad), "--speed", "1e-300"], {}),
        (["replay", str(bad), "--workers", "-3"], {}),
        (["replay", str(bad), "--exchange", "binance"], {"OMEGA_EMBEDDED": "always"}),
        (["evaluate", "threshold", "/nonexistent"], {}),
        (["evaluate", "threshold", str(bad)], {}),
        (["evaluate", "nope", "x"], {}),
        (["record", "/nonexistent-dir/x.gz", "--seconds", "1"], {}),
        (["record", str(tmp_path / "x.gz"), "--seconds", "-5"], {}),
        (["demo", "--hours", "-1"], {}),
        (["demo", "--workers", "0"], {}),
        (["demo", "--chart", "/nonexistent-dir/x.png"], {}),
        (["events", "--count", "0"], {}),
        (["status", "--timeout", "-1"], {}),
        (["bogus"], {}),
        (["config"], {"OMEGA_METRICS_PORT": "70000"}),
        (["config"], {"OMEGA_QUEUES": ""}),
        (["config"], {"OMEGA_TYPO": "1"}),
        (["config"], {"OMEGA_BATCH_MS": "-5"}),
        (["state"], {"OMEGA_REDIS_URL": "redis://127.0.0.1:notaport/0"}),
        (["state"], {"OMEGA_REDIS_URL": DOWN}),
        (["events"], {"OMEGA_REDIS_URL": DOWN}),
        (["events", "--follow"], {"OMEGA_REDIS_URL": DOWN}),
        (["status"], {"OMEGA_REDIS_URL": DOWN}),
        (["demo", "--hours", "0.05"], {"OMEGA_REDIS_URL": DOWN, "OMEGA_EMBEDDED": "never"}),
    ]


def omega(args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    return subprocess.run([str(BIN / "omega"), *args], env=clean | env, capture_output=True,
                          text=True, timeout=120)


def test_no_nonsense_reaches_the_user_as_a_traceback(tmp_path):
    runs = cases(tmp_path)
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda case: omega(*case), runs))
    for (args, env), result in zip(runs, done, strict=True):
        said = result.stdout + result.stderr
        assert result.returncode != 0, (args, env, said)
        assert "Traceback" not in said, (args, env, said)
        assert [line for line in said.splitlines()
                if line.startswith(("omega:", "usage:", "omega ", "UNHEALTHY"))], (args, env, said)


def test_a_metrics_port_already_in_use_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = omega(["feed", "--simulate", "--hours", "0.05"],
                       {"OMEGA_METRICS_PORT": str(port), "OMEGA_REDIS_URL": DOWN})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"OMEGA_METRICS_PORT={port}" in result.stderr


@pytest.mark.parametrize("speed", ["0", "-1", "inf"])
def test_a_replay_speed_out_of_range_is_a_usage_error(tmp_path, speed):
    result = omega(["replay", str(garbage_recording(tmp_path)), "--speed", speed], {})
    assert result.returncode == 2 and "--speed" in result.stderr


def test_a_live_feeder_waits_for_its_redis_and_stops_with_one_line():
    env = {"OMEGA_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
           "OMEGA_BINANCE_WS_URL": "ws://127.0.0.1:1/stream", "OMEGA_LOG_LEVEL": "WARNING"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    feeder = subprocess.Popen([str(BIN / "omega"), "feed", "--live"], env=clean | env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waited = []
    for line in feeder.stderr:
        waited.append(line)
        if "warming up failed" in line:  # it waits for Redis rather than exiting
            break
    assert feeder.poll() is None
    feeder.terminate()
    _, rest = feeder.communicate(timeout=60)
    said = "".join(waited) + rest
    assert "Traceback" not in said and feeder.returncode != 0
