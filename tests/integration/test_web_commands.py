"""``omega serve`` and ``omega replay --serve`` as a user runs them."""

import os
import queue
import signal
import subprocess
import threading
import time

import httpx
import pytest

from tests.conftest import data_file
from tests.integration.test_cli import BIN, dead_port
from tests.web import FIRST


class Running:
    """An omega command in the background, its output lines readable as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
        self.process = subprocess.Popen([str(BIN / "omega"), *args], env=clean | env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout_s: float = 120) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.seen)
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not printed: {''.join(self.seen)}")

    def stop(self, sig: int) -> int:
        self.process.send_signal(sig)
        return self.process.wait(30)


def test_omega_serve_prints_its_address_serves_and_stops_on_sigterm(settings, store):
    port = dead_port()
    env = {"OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix}
    running = Running(["serve", "--port", str(port)], env)
    try:
        running.wait_for(f"Omega on http://127.0.0.1:{port}/")
        assert httpx.get(f"http://127.0.0.1:{port}/api/symbols").json() == {"symbols": []}
        assert "lightweight-charts" in httpx.get(f"http://127.0.0.1:{port}/").text
    finally:
        assert running.stop(signal.SIGTERM) == 0


@pytest.mark.data
@pytest.mark.slow
def test_omega_replay_serve_keeps_the_dashboard_up_after_the_replay_until_ctrl_c(settings,
                                                                                  store):
    port = dead_port()
    env = {"OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix,
           "OMEGA_WEB_PORT": str(port)}
    running = Running(["replay", str(data_file(FIRST)), "--serve"], env)
    try:
        running.wait_for(f"dashboard: http://127.0.0.1:{port}/")
        running.wait_for("the dashboard stays on")
        bars = httpx.get(f"http://127.0.0.1:{port}/api/bars").json()
        assert bars["forming"]["last_id"] == 3735693015
    finally:
        assert running.stop(signal.SIGINT) == 0
