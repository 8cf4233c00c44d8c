"""Test helpers for fleet processes: start them in sessions of their own, scrape their metrics."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    """Read a metrics endpoint: {(sample name, sorted labels): value}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """The value of one sample (0 when absent, as Prometheus reads a counter never touched)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of every sample of ``name`` whose labels include ``labels``."""
    return sum(v for (n, ls), v in samples.items()
               if n == name and set(labels.items()) <= set(ls))


def poll(read: Callable[[], object], accept: Callable[[object], bool], timeout_s: float,
         what: str) -> object:
    """Read until ``accept`` takes the reading (errors count as no reading); fail at the
    deadline, naming ``what`` and the last reading."""
    deadline = time.monotonic() + timeout_s
    last: object = None
    while True:
        try:
            last = read()
            if accept(last):
                return last
        except OSError as exc:
            last = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}; last: {last}")
        time.sleep(0.05)


@contextlib.contextmanager
def process(args: Sequence[str], env: dict[str, str],
            log: str | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run a command in a session of its own; SIGTERM its whole group at the end."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(list(args), env=env, start_new_session=True,
                            stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        stop_group(proc)
        if log:
            out.close()  # type: ignore[union-attr]


def stop_group(proc: subprocess.Popen[bytes], timeout_s: float = 30) -> None:
    """SIGTERM a process group, SIGKILL it if it outlives ``timeout_s``; reap the leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
