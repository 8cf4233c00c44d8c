"""A prefork worker's multiprocess metrics folder does not outlive the worker, even killed."""

import os
import signal

from tests.faults.fleet import BIN, environment, free_port
from tests.scrape import poll, process, scrape


def worker(settings, port, tmp_path):
    env = environment(settings) | {"OMEGA_METRICS_PORT": str(port), "TMPDIR": str(tmp_path)}
    return process([str(BIN / "celery"), "-A", "omega_tasks", "worker", "-Q", "maintenance",
                    "--pool", "prefork", "-c", "1", "-n", "folder@%h", "--without-mingle",
                    "--without-gossip"], env)


def folders(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("omega-worker-metrics"))


def test_a_worker_killed_and_started_again_reuses_its_metrics_folder(settings, store, tmp_path):
    port = free_port()
    with worker(settings, port, tmp_path) as first:
        poll(lambda: scrape(port), lambda s: True, 60, "the worker's metrics endpoint")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    assert len(folders(tmp_path)) == 1  # killed: nothing cleaned up
    with worker(settings, port, tmp_path):
        poll(lambda: scrape(port), lambda s: True, 60, "the restarted worker's endpoint")
        assert len(folders(tmp_path)) == 1
    assert folders(tmp_path) == []
