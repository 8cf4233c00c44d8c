"""``celery -A omega_tasks flower`` as documented: 127.0.0.1 only, and never without auth."""

import base64
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from tests.faults.fleet import BIN, environment, free_port
from tests.scrape import poll, process

AUTH = "omega:correct-horse"


def flower(settings, port, **env):
    command = [str(BIN / "celery"), "-A", "omega_tasks", "flower", f"--port={port}"]
    clean = {k: v for k, v in environment(settings).items() if not k.startswith("FLOWER_")}
    return command, clean | env


def get(port, path, auth=None, host="127.0.0.1"):
    request = urllib.request.Request(f"http://{host}:{port}{path}")
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    with urllib.request.urlopen(request, timeout=5) as reply:
        return reply.status


def outside_address():
    """An IPv4 address of this machine other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("198.51.100.1", 9))  # a documentation address: this sends nothing
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") else address


def test_flower_refuses_to_start_without_basic_auth(settings, store):
    command, env = flower(settings, free_port())
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "FLOWER_BASIC_AUTH" in done.stderr and "Traceback" not in done.stderr


def test_flower_binds_loopback_only_and_asks_for_the_password(settings, store):
    port = free_port()
    command, env = flower(settings, port, FLOWER_BASIC_AUTH=AUTH)
    with process(command, env):
        poll(lambda: get(port, "/healthcheck"), lambda status: status == 200, 60,
             "Flower to answer on 127.0.0.1")
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(port, "/tasks")
        assert refused.value.code == 401
        assert get(port, "/tasks", AUTH) == 200
        address = outside_address()
        if address is not None:
            with pytest.raises(urllib.error.URLError):
                get(port, "/healthcheck", host=address)
