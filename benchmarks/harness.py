"""Shared benchmark plumbing: a Redis, real worker processes, a feeder, a clock."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from feeder.pipeline import build_feeder
from feeder.service import FeedReport
from feeder.sources import Source
from omega_tasks.catalog import busy_queues, published
from omega_tasks.config import Settings
from omega_tasks.core.ml import Dataset, ModelParams, TrendModel, train
from omega_tasks.core.types import Bar
from omega_tasks.embedded import answers, embedded_redis
from omega_tasks.models import ModelStore
from omega_tasks.progress import wait_until_covered
from omega_tasks.simulation.history import preceding_bars
from omega_tasks.simulation.params import SimulationParams
from omega_tasks.store import Store
from omega_tasks.worker.app import celery_app

BIN = Path(sys.executable).parent
WORKER_GROUPS = (("traps", "highfreq"), ("fib", "trends"), ("ml", "maintenance"))  # as the Procfile


def worker_groups(queues: Sequence[str]) -> list[list[str]]:
    """The fleet's worker groups, restricted to ``queues``."""
    groups = [[q for q in group if q in queues] for group in WORKER_GROUPS]
    return [g for g in groups if g]


@contextlib.contextmanager
def redis_url(preferred: str) -> Iterator[str]:
    """Yield ``preferred`` if a Redis answers there, else an embedded Redis's URL."""
    if answers(preferred):
        yield preferred
        return
    with embedded_redis() as socket_path:
        yield f"unix://{socket_path}?db=0"


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")}
    env.update(
        OMEGA_REDIS_URL=settings.redis_url,
        OMEGA_KEY_PREFIX=settings.key_prefix,
        OMEGA_LOG_LEVEL="WARNING",
        OMEGA_SHARDS=str(settings.shards),
    )
    if settings.broker_url:
        env["OMEGA_BROKER_URL"] = settings.broker_url
    return env


@contextlib.contextmanager
def workers(
    settings: Settings, groups: Sequence[Sequence[str]], concurrency: int, pool: str = "prefork"
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Run one ``celery worker`` process per queue group; yield them; stop them afterwards."""
    procs = []
    for n, queues in enumerate(groups):
        procs.append(
            subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "omega_tasks",
                    "worker",
                    "-Q",
                    ",".join(queues),
                    "--pool",
                    pool,
                    "-c",
                    str(concurrency),
                    "-n",
                    f"bench{n}@%h",
                    "--without-heartbeat",
                    "--without-mingle",
                    "--without-gossip",
                    "-l",
                    "WARNING",
                ],
                env=environment(settings),
                stdout=subprocess.DEVNULL,
                stderr=None,  # warnings and errors reach the benchmark's stderr
            )
        )
    try:
        app = celery_app(settings)
        deadline = time.monotonic() + 180  # six nodes starting on a loaded machine are slow
        while len(app.control.ping(timeout=0.5)) < len(procs):
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not answer a ping within 180 s")
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)


def run_pipeline(
    settings: Settings, source: Source, batch_max: int, batch_ms: int = 20
) -> tuple[FeedReport, float, float]:
    """Feed a source through the real feeder; wait for every analysis.

    Returns the feed report, seconds to feed, seconds until every analysis covered the
    last trade (both from the start).
    """
    store = Store.connect(settings)
    app = celery_app(settings)
    queues = busy_queues(settings.queues)
    feeder = build_feeder(settings.replace(batch_max=batch_max, batch_ms=batch_ms), store, app)
    started = time.perf_counter()
    report = feeder.run(source)
    fed = time.perf_counter() - started
    analyses = published(queues)
    for (exchange, symbol), last_id in report.last_ids.items():
        k = store.symbol(exchange, symbol)
        if not wait_until_covered(store, k, analyses, last_id, timeout_s=1800):
            raise RuntimeError(f"analyses did not reach trade {last_id}")
    return report, fed, time.perf_counter() - started


def clean(settings: Settings) -> None:
    """Empty the benchmark database and the queues (on Redis, the same thing)."""
    Store.connect(settings).redis.flushdb()
    celery_app(settings).control.purge()


def trend_model(params: SimulationParams, bars: list[Bar] | None = None) -> TrendModel:
    """A trend model trained on the 30 simulated hours before the market, fresh to its end."""
    bars = preceding_bars(params, 30.0) if bars is None else bars
    model_params = ModelParams(train_bars=1_440, expiry_ms=round((params.hours + 1) * 3_600_000))
    return train(Dataset.build(bars, model_params), len(bars), model_params)


def warm_start(settings: Settings, params: SimulationParams) -> None:
    """Store the 30 simulated hours before the market as closed 1m bars (a live feed's
    warm-up) and a trend model trained on them, so every analysis is warm from the first
    trade and every closed bar costs the ml queue a real prediction."""
    store = Store.connect(settings)
    k = store.symbol(params.exchange, params.symbol)
    bars = preceding_bars(params, 30.0)
    store.add_bars(k, bars)
    ModelStore(store.redis).save(k, trend_model(params, bars), {}, saved_ms=params.start_ms)


class CpuMeter:
    """CPU seconds spent by this process (the feeder), worker processes with their pool
    children, and the Redis server, between ``start`` and ``stop``."""

    def __init__(self, settings: Settings, procs: Sequence[subprocess.Popen[bytes]]) -> None:
        self.redis = Store.connect(settings).redis
        self.pids = [p.pid for p in procs]
        self.spent: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        info = self.redis.info("cpu")
        return {
            "feeder": time.process_time(),
            "workers": sum(_tree_cpu_s(pid) for pid in self.pids),
            "redis": float(info["used_cpu_user"]) + float(info["used_cpu_sys"]),
        }

    def start(self) -> None:
        self._began = self._now()

    def stop(self) -> dict[str, float]:
        end = self._now()
        self.spent = {k: end[k] - self._began[k] for k in end}
        return self.spent


def process_tree(pid: int) -> list[Path]:
    """The /proc folders of a process and its live children (a worker and its pool)."""
    found = []
    for folder in Path("/proc").iterdir():
        if not folder.name.isdigit():
            continue
        try:
            parent = (folder / "stat").read_text().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if folder.name == str(pid) or parent == str(pid):
            found.append(folder)
    return found


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its live children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for folder in process_tree(pid):
        try:
            fields = (folder / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended since it was found
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total
