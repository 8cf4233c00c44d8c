"""The Procfile's workers under honcho ride out ten Redis restarts while a feeder streams."""

import os
import subprocess
import threading

import pytest

from omega_tasks.catalog import published
from omega_tasks.config import Settings
from omega_tasks.progress import wait_until_covered
from omega_tasks.store import Store
from omega_tasks.worker.app import celery_app
from tests.faults.fleet import BIN, environment, private_redis
from tests.integration.test_procfile import GROUPS, descendants, free_base, honcho, stop
from tests.scrape import poll, scrape, value

pytestmark = pytest.mark.slow
RESTARTS = 10
DOWN_S = 0.5  # how long Redis stays down at each restart: the fault, not a wait
# The simulation at 400 times market time: about 1,500 trades a second, as in a busy market.
FEED = ["feed", "--simulate", "--hours", "24", "--speed", "400"]


def test_ten_redis_restarts_under_load_leave_every_worker_running_and_every_trade_analysed(
        tmp_path):
    with private_redis() as server:
        settings = Settings(redis_url=server.url, key_prefix="omega-restarts",
                            visibility_timeout_s=5)
        store = Store.connect(settings)
        k = store.symbol("sim", "BTC-USDT")
        base = free_base()
        env = environment(settings) | {"PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
                                       "METRICS_PORT_BASE": str(base)}
        fleet = honcho(list(GROUPS), env, tmp_path / "fleet.log")
        with open(tmp_path / "feeder.log", "wb") as out:
            feeder = subprocess.Popen([str(BIN / "omega"), *FEED], env=env, stdout=out,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            for restart in range(RESTARTS):
                # Every restart hits workers that are busy: they analysed trades since the last.
                before = analysed(poll(lambda: scrape(base + 2), lambda s: True, 60,
                                       "the traps worker's metrics"))
                poll(lambda: scrape(base + 2), lambda s, b=before: analysed(s) > b, 60,
                     f"the workers to analyse trades again before restart {restart + 1}")
                server.stop()
                back = threading.Timer(DOWN_S, server.start)
                back.start()
                back.join()
            assert stop(feeder) == 0
            assert fleet.poll() is None, f"honcho stopped the fleet:\n{log(tmp_path)}"
            assert len(descendants(fleet.pid)) >= 2 * len(GROUPS)  # each worker and its pool
            last = store.last_trade(k)
            assert last is not None
            celery_app(settings).send_task("omega.maintenance.catch_up")  # a lost tail task
            assert wait_until_covered(store, k, published(), last[0], 60)
            assert not [e for e in store.events(k) if e.kind == "history_gap"]
        finally:
            for proc in (feeder, fleet):
                if proc.poll() is None:
                    stop(proc)
            store.close()
    assert "Unrecoverable error" not in log(tmp_path)


def analysed(samples) -> float:
    return value(samples, "omega_worker_ticks_analysed_total", queue="traps")


def log(tmp_path) -> str:
    return (tmp_path / "fleet.log").read_text(errors="replace")[-3000:]
