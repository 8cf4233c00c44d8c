"""The machine's RabbitMQ for tests: a virtual host of its own per test run.

Each run adds a vhost named after its process (so parallel runs never meet), lets the guest
user use it, and deletes it with everything in it at the end. ``rabbitmqctl`` does both; it
also cuts connections for the fault tests. Where no RabbitMQ answers, the tests that need
one skip saying so, except under CI, where a missing broker is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest
from kombu import Connection

MACHINE_RABBITMQ = ("127.0.0.1", 5672)
CTL_TIMEOUT_S = 60


def rabbitmqctl(*args: str) -> str:
    """Run ``rabbitmqctl`` and return what it printed; raise when it fails."""
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                          timeout=CTL_TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stderr or done.stdout}")
    return done.stdout


def unavailable() -> str | None:
    """Say why the machine's RabbitMQ cannot serve the tests, or None when it can."""
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl is not installed"
    try:
        socket.create_connection(MACHINE_RABBITMQ, timeout=1).close()
    except OSError as exc:
        return f"no RabbitMQ at {MACHINE_RABBITMQ[0]}:{MACHINE_RABBITMQ[1]}: {exc}"
    return None


def require() -> None:
    """Skip the test when RabbitMQ is missing (fail instead under CI)."""
    reason = unavailable()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"RabbitMQ is needed under CI: {reason}")
    pytest.skip(reason)


def vhost_url(vhost: str) -> str:
    host, port = MACHINE_RABBITMQ
    return f"amqp://guest:guest@{host}:{port}/{vhost}"


def add_vhost(vhost: str) -> str:
    """Create ``vhost`` for the guest user and return its broker URL."""
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    return vhost_url(vhost)


def delete_vhost(vhost: str) -> None:
    rabbitmqctl("delete_vhost", vhost)


def purge(url: str, queues: list[str]) -> None:
    """Empty the named queues that exist on the vhost at ``url``."""
    with Connection(url) as conn:
        for queue in queues:
            channel = conn.channel()
            try:
                channel.queue_purge(queue)
            except conn.channel_errors:  # never declared here yet: nothing to purge
                pass
            finally:
                channel.close()


def close_connections(vhost: str) -> int:
    """Close every client connection to ``vhost``, as a broker failover would; return how
    many it closed."""
    said = rabbitmqctl("close_all_connections", "--vhost", vhost, "--limit", "10000",
                       "a test cuts the broker's connections")
    return int(said.split()[1])  # "Closed 3 connections"
