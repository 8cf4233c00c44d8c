"""Prometheus metrics for the feeder, the workers and the fleet, hooked in from outside.

- The feeder's metrics are a ``FeedObserver``: the loop reports, this counts.
- Workers are counted through Celery signals. A prefork worker's tasks run in child
  processes, so the worker uses prometheus-client's multiprocess mode: every process writes
  its values to files in a directory of the worker's own, and the endpoint in the main
  process sums them.
- The fleet's gauges (queue depths, feed age, snapshot lag) are read from Redis and the
  broker at scrape time; the beat process serves them, one per fleet.

Each endpoint binds ``OMEGA_METRICS_HOST`` (127.0.0.1 unless told) at ``OMEGA_METRICS_PORT``;
port 0 means no endpoint.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

import redis
from celery import signals
from celery.app.task import Task
from kombu.exceptions import OperationalError
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Enum,
    Gauge,
    Histogram,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import start_http_server

from feeder.observer import FeedObserver
from omega_tasks.config import Settings
from omega_tasks.errors import ConfigError
from omega_tasks.fleet import queue_depths, symbol_views
from omega_tasks.messages import Batch
from omega_tasks.worker.app import OmegaApp

log = logging.getLogger(__name__)
CONNECTION_STATES = ["connecting", "connected", "stale", "reconnecting", "closed"]
LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TASK_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0)
BATCH_BUCKETS = (1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
WRITE_FAILURES = ("redis full", "redis unreachable", "broker unreachable", "network")


def serve(settings: Settings, registry: CollectorRegistry) -> Any:
    """Start an HTTP endpoint for ``registry``; return the server (None when port is 0)."""
    if settings.metrics_port == 0:
        return None
    try:
        server, _ = start_http_server(settings.metrics_port, settings.metrics_host,
                                      registry=registry)
    except OSError as exc:
        raise ConfigError(f"OMEGA_METRICS_PORT={settings.metrics_port}: cannot serve on "
                          f"{settings.metrics_host}:{settings.metrics_port}: {exc.strerror or exc}"
                          ) from None
    log.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    return server


class FeedMetrics(FeedObserver):
    """The feeder's metrics, kept up to date by the feeder loop's reports."""

    def __init__(self, registry: CollectorRegistry) -> None:
        def counter(name: str, doc: str, labels: tuple[str, ...]) -> Counter:
            return Counter(name, doc, labels, registry=registry)

        sym = ("exchange", "symbol")
        self.trades = counter("omega_feeder_trades_received", "trades received", sym)
        self.batches = counter("omega_feeder_batches", "batches published", sym)
        self.duplicates = counter("omega_feeder_duplicates", "repeated trades dropped", sym)
        self.gaps_opened = counter("omega_feeder_gaps_opened", "trade-id gaps found", sym)
        self.gaps_closed = counter("omega_feeder_gaps_closed",
                                   "trade-id gaps backfilled in full", sym)
        self.liquidations = counter("omega_feeder_liquidations", "liquidation orders", sym)
        self.dead_letters = counter("omega_feeder_dead_letters", "messages dead-lettered",
                                    ("source", "reason"))
        self.reconnects = counter("omega_feeder_reconnects", "reconnects", ("exchange",))
        self.batch_trades = Histogram("omega_feeder_batch_trades", "trades per batch",
                                      buckets=BATCH_BUCKETS, registry=registry)
        self.publish_s = Histogram("omega_feeder_publish_seconds",
                                   "seconds to store a batch and send its tasks",
                                   buckets=TASK_BUCKETS_S, registry=registry)
        self.state = Enum("omega_feeder_connection_state", "connection state",
                          ("exchange",), states=CONNECTION_STATES, registry=registry)
        self.failing = Gauge("omega_feeder_writes_failing",
                             "1 while storing or sending batches fails and is retried",
                             ("reason",), registry=registry)
        self._last_trade: dict[tuple[str, str], float] = {}
        registry.register(_Ages(self._last_trade))

    def trades_received(self, exchange: str, symbol: str, count: int) -> None:
        self.trades.labels(exchange, symbol).inc(count)
        self._last_trade[(exchange, symbol)] = time.monotonic()

    def duplicate_dropped(self, exchange: str, symbol: str) -> None:
        self.duplicates.labels(exchange, symbol).inc()

    def gap(self, exchange: str, symbol: str, missing: int, closed: bool) -> None:
        self.gaps_opened.labels(exchange, symbol).inc()
        if closed:
            self.gaps_closed.labels(exchange, symbol).inc()

    def liquidation(self, exchange: str, symbol: str) -> None:
        self.liquidations.labels(exchange, symbol).inc()

    def dead_letter(self, source: str, reason: str) -> None:
        self.dead_letters.labels(source, reason_class(reason)).inc()

    def batch_published(self, batch: Batch, seconds: float) -> None:
        self.batches.labels(batch.exchange, batch.symbol).inc()
        self.batch_trades.observe(len(batch))
        self.publish_s.observe(seconds)

    def connection(self, exchange: str, state: str) -> None:
        if state in CONNECTION_STATES:
            self.state.labels(exchange).state(state)

    def reconnect(self, exchange: str, reason: str) -> None:
        self.reconnects.labels(exchange).inc()

    def writes_failing(self, reason: str) -> None:
        self.failing.labels(reason).set(1)

    def writes_ok(self) -> None:
        for reason in WRITE_FAILURES:
            self.failing.labels(reason).set(0)


def reason_class(reason: str) -> str:
    """A dead letter's reason up to its first colon, quote or digit: the class, never the
    offending value, so the label keeps to the handful of reasons the code writes
    ("oversized frame", "malformed JSON", "implausible trade id", "unknown message type")."""
    return _OFFENDING.split(reason, 1)[0].strip()[:60] or "unreadable"


_OFFENDING = re.compile(r"""[:'"0-9]""")


class _Ages:
    """Seconds since each symbol's last trade, measured when scraped."""

    def __init__(self, last_trade: dict[tuple[str, str], float]) -> None:
        self.last_trade = last_trade

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ages = GaugeMetricFamily("omega_feeder_seconds_since_trade",
                                 "seconds since the last trade arrived",
                                 labels=["exchange", "symbol"])
        now = time.monotonic()
        for (exchange, symbol), at in list(self.last_trade.items()):
            ages.add_metric([exchange, symbol], now - at)
        yield ages


class WorkerMetrics:
    """Task metrics, counted through Celery signals (in whichever process runs the task)."""

    def __init__(self) -> None:
        self.task_s = Histogram("omega_worker_task_seconds", "task run time", ("task",),
                                buckets=TASK_BUCKETS_S, registry=None)
        self.failures = Counter("omega_worker_task_failures", "tasks that raised", ("task",),
                                registry=None)
        self.retries = Counter("omega_worker_task_retries", "task retries", ("task",),
                               registry=None)
        self.ticks = Counter("omega_worker_ticks_analysed", "trades analysed", ("queue",),
                             registry=None)
        self.folded = Counter(
            "omega_worker_trades_folded",
            "trades fed to the queue's folds, per analysis; over trades analysed it is 1 when "
            "no worker folded another's trades again", ("queue",), registry=None)
        self.dead_letters = Counter("omega_worker_dead_letters", "batches dead-lettered",
                                    ("task", "reason"), registry=None)
        self.events = Counter("omega_worker_events", "new events written",
                              ("detector", "kind"), registry=None)
        self.latency_s = Histogram(
            "omega_worker_trade_to_result_seconds",
            "from the receive time of a batch's first trade to its result written",
            ("queue",), buckets=LATENCY_BUCKETS_S, registry=None)
        self._started: dict[str, float] = {}

    def prerun(self, task_id: str, **_: Any) -> None:
        self._started[task_id] = time.perf_counter()

    def postrun(self, task_id: str, task: Task, retval: Any = None, **_: Any) -> None:
        started = self._started.pop(task_id, None)
        if started is not None:
            self.task_s.labels(task.name).observe(time.perf_counter() - started)
        if not isinstance(retval, dict):
            return
        if "dead_letter" in retval:
            self.dead_letters.labels(task.name, reason_class(retval["dead_letter"])).inc()
            return
        for reason in retval.get("dead_letters", ()):  # of a task carrying several batches
            self.dead_letters.labels(task.name, reason_class(reason)).inc()
        queue = retval.get("queue")
        if queue is None:  # not an analysis task
            return
        self.ticks.labels(queue).inc(retval["trades"])
        self.folded.labels(queue).inc(retval.get("folded", 0))
        self.latency_s.labels(queue).observe((time.time_ns() - retval["received_ns"]) / 1e9)
        for detector, kinds in retval.get("kinds", {}).items():
            for kind in kinds:
                self.events.labels(detector, kind).inc()

    def failure(self, sender: Task, **_: Any) -> None:
        self.failures.labels(sender.name).inc()

    def retry(self, sender: Task, **_: Any) -> None:
        self.retries.labels(sender.name).inc()


class WorkerEndpoint:
    """Set up multiprocess metrics in a worker's main process and serve their sum."""

    def __init__(self) -> None:
        self.metrics: WorkerMetrics | None = None
        self.registry: CollectorRegistry | None = None
        self.folder = ""
        self.server: Any = None

    def start(self, sender: Any = None, **_: Any) -> None:
        settings: Settings = sender.app.settings
        if settings.metrics_port == 0:
            return
        # Before any child forks and before any value exists: every process then writes
        # its own file in this folder, and the collector below sums them. One folder per
        # node and port, emptied here, so a worker killed before it could clean up leaves
        # nothing behind once it is started again.
        node = re.sub(r"[^A-Za-z0-9_.-]", "_", str(getattr(sender, "hostname", "worker")))
        self.folder = os.path.join(
            tempfile.gettempdir(), f"omega-worker-metrics-{node}-{settings.metrics_port}"
        )
        shutil.rmtree(self.folder, ignore_errors=True)
        os.makedirs(self.folder)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = self.folder
        values.ValueClass = values.MultiProcessValue()
        self.metrics = WorkerMetrics()
        self.registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(self.registry, path=self.folder)
        for signal, handler in ((signals.task_prerun, self.metrics.prerun),
                                (signals.task_postrun, self.metrics.postrun),
                                (signals.task_failure, self.metrics.failure),
                                (signals.task_retry, self.metrics.retry)):
            signal.connect(handler, weak=False)

    def ready(self, sender: Any = None, **_: Any) -> None:
        """Serve once the worker is up: by then a SIGTERM stops it cleanly (see ``stop``), so
        no one who saw the endpoint can stop the worker before it would clean up."""
        if self.registry is not None and self.server is None:
            self.server = serve(sender.app.settings, self.registry)

    def stop(self, **_: Any) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = ""


class FleetCollector:
    """Queue depths, feed ages and snapshot lag, read from Redis when scraped."""

    def __init__(self, app: OmegaApp) -> None:
        self.app = app
        self._lock = threading.Lock()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        reachable = GaugeMetricFamily("omega_fleet_redis_up",
                                      "1 if Redis and the broker answered this scrape")
        with self._lock:  # one reading at a time, however many scrapers
            try:
                depths = queue_depths(self.app)
                views = symbol_views(self.app.store)
                used, limit, _ = self.app.store.memory()
                folding = self.app.store.shards.folding()
            except (redis.RedisError, OSError, OperationalError) as exc:
                log.warning("fleet metrics: Redis unreachable (%s)", exc)
                reachable.add_metric([], 0)
                yield reachable
                return
        reachable.add_metric([], 1)
        yield reachable
        yield GaugeMetricFamily("omega_fleet_redis_used_memory_bytes", "memory Redis uses",
                                value=used)
        yield GaugeMetricFamily("omega_fleet_redis_maxmemory_bytes",
                                "Redis's maxmemory (0: no limit)", value=limit)
        queues = GaugeMetricFamily("omega_fleet_queue_length", "messages waiting in a queue",
                                   labels=["queue"])
        for queue, depth in depths.items():
            queues.add_metric([queue], depth)
        yield queues
        refolds = GaugeMetricFamily(
            "omega_fleet_trades_folded_per_trade_analysed",
            "trades fed to a queue's folds per trade it analysed, since the store began: "
            "1 when no worker folded another's trades again", labels=["queue"])
        cold = GaugeMetricFamily(
            "omega_fleet_cold_fold_share",
            "share of a queue's tasks that loaded a fold from its checkpoint because the "
            "symbol's previous batch ran in another process", labels=["queue"])
        for queue, seen in folding.items():
            if seen.tasks:
                refolds.add_metric([queue], seen.refolds)
                cold.add_metric([queue], seen.cold_share)
        yield refolds
        yield cold
        sym = ["exchange", "symbol"]
        age = GaugeMetricFamily("omega_fleet_feed_age_seconds",
                                "seconds since the feeder stored its last trade", labels=sym)
        gaps = GaugeMetricFamily("omega_fleet_gaps_open", "trade-id gaps never backfilled",
                                 labels=sym)
        lag = GaugeMetricFamily("omega_fleet_snapshot_lag_trades",
                                "trades an analysis snapshot trails the feed",
                                labels=[*sym, "analysis"])
        for view in views:
            if view.health is not None:
                age.add_metric([view.exchange, view.symbol], view.health.age_s)
                gaps.add_metric([view.exchange, view.symbol], view.health.gaps_open)
            for analysis, behind in view.lag_trades.items():
                if behind is not None:
                    lag.add_metric([view.exchange, view.symbol, analysis], behind)
        yield from (age, gaps, lag)


def install(app: OmegaApp) -> None:
    """Hook the worker and beat metrics into this app's processes (``celery -A omega_tasks``)."""
    endpoint = WorkerEndpoint()
    signals.worker_init.connect(endpoint.start, weak=False)
    signals.worker_ready.connect(endpoint.ready, weak=False)
    signals.worker_shutdown.connect(endpoint.stop, weak=False)

    def beat_started(sender: Any = None, **_: Any) -> None:
        registry = CollectorRegistry()
        registry.register(FleetCollector(app))
        serve(app.settings, registry)

    signals.beat_init.connect(beat_started, weak=False)
