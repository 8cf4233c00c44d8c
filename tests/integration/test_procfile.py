"""The Procfile stack under honcho, as an operator starts it: a live feeder on a replayed
recording, three worker groups, beat and Flower, against the test Redis."""

import base64
import json
import os
import random
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from omega_tasks.catalog import on_queue
from tests.conftest import ROOT, data_file
from tests.exchange_server import ExchangeServer, Rest, Script, rest_server, trade_frames
from tests.faults.fleet import BIN, environment
from tests.integration.test_status import status
from tests.scrape import poll, scrape, total, value

pytestmark = pytest.mark.data
TRADES = 3_000
AUTH = "omega:correct-horse"
GROUPS = {"worker_traps": ("traps", "highfreq"), "worker_fib": ("fib", "trends"),
          "worker_ml": ("ml", "maintenance")}


@pytest.fixture(scope="module")
def tape():
    return trade_frames(data_file("binance_ws/spot_btcusdt_20240808.gz"))[:TRADES]


def free_base(count: int = 6) -> int:
    """A port such that it and the ``count`` after it are free on 127.0.0.1."""
    for _ in range(50):
        base = random.randrange(20_000, 60_000, 10)
        try:
            for port in range(base, base + count + 1):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no free run of ports")


def honcho(processes, env, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([str(BIN / "honcho"), "-f", str(ROOT / "Procfile"), "start",
                                 *processes], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def stop(proc: subprocess.Popen, timeout_s: float = 30) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout_s)


def flower_workers(port: int, auth: str | None = AUTH) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/workers?refresh=1")
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def test_the_procfile_stack_analyses_a_recording_and_reports_its_health(
        settings, store, tape, tmp_path):
    rest = Rest()
    rest.load_klines(data_file("klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz"))
    rest.klines = [k for k in rest.klines if k[0] < 1_723_161_240_000]
    base = free_base()
    port = {"feeder": base + 1, "worker_traps": base + 2, "worker_fib": base + 3,
            "worker_ml": base + 4, "beat": base + 5, "flower": base + 6}
    store.record_beat_run("feed health", 0.0)  # long overdue: beat sends it as it starts
    with ExchangeServer(Script(tape)) as server, rest_server(rest) as rest_url:
        env = environment(settings) | {
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "OMEGA_BINANCE_WS_URL": server.url, "OMEGA_BINANCE_REST_URL": rest_url,
            "OMEGA_KLINES_AT_START": "1440", "OMEGA_BATCH_MAX": "200",
            "METRICS_PORT_BASE": str(base), "FLOWER_PORT": str(port["flower"]),
            "FLOWER_BASIC_AUTH": AUTH}
        fleet = honcho([*GROUPS, "beat", "flower"], env, tmp_path / "fleet.log")
        feeder = honcho(["feeder"], env, tmp_path / "feeder.log")
        started: set[int] = set()
        try:
            poll(lambda: scrape(port["feeder"]),
                 lambda s: total(s, "omega_feeder_trades_received_total") == TRADES, 60,
                 "the feeder to receive the whole recording")
            for group, queues in GROUPS.items():
                analysed = [q for q in queues if on_queue(q)]
                poll(lambda g=group: scrape(port[g]),
                     lambda s, qs=analysed: all(
                         value(s, "omega_worker_ticks_analysed_total", queue=q) == TRADES
                         for q in qs), 60, f"{group} to analyse every trade on {analysed}")
            poll(lambda: scrape(port["worker_ml"]),
                 lambda s: value(s, "omega_worker_task_seconds_count",
                                 task="omega.maintenance.check_feeds") >= 1, 30,
                 "the beat-scheduled feed-health check to run")
            poll(lambda: scrape(port["beat"]),
                 lambda s: total(s, "omega_fleet_snapshot_lag_trades") == 0
                 and value(s, "omega_fleet_queue_length", queue="traps") == 0, 30,
                 "the snapshots to catch up with the feed")
            workers = poll(lambda: flower_workers(port["flower"]), lambda w: len(w) == 3, 30,
                           "Flower to list the three workers")
            assert sorted(name.split("@")[0] for name in workers) == ["fib", "ml", "traps"]
            with pytest.raises(urllib.error.HTTPError) as refused:
                flower_workers(port["flower"], auth=None)
            assert refused.value.code == 401

            code, report = status(settings)
            assert code == 0, report["problems"]
            assert report["feeds"][0]["connection"] == "connected"

            started = descendants(fleet.pid) | descendants(feeder.pid)
            stop(feeder)
            code, report = status(settings)
            assert code == 1
            assert "binance:BTC-USDT: connection closed" in report["problems"]
        finally:
            started |= descendants(fleet.pid) | descendants(feeder.pid)
            for proc in (feeder, fleet):
                if proc.poll() is None:
                    stop(proc)
    left = sorted(pid for pid in started if alive(pid))
    assert not left, f"processes left running: {left}"
