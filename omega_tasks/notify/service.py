"""Run ``omega notify``: one consumer thread per sink, the Alertmanager receiver, metrics."""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry

from omega_tasks.config import Settings
from omega_tasks.errors import ConfigError
from omega_tasks.metrics import serve
from omega_tasks.notify import receiver, sinkfile
from omega_tasks.notify.consumer import Backoff, SinkConsumer
from omega_tasks.notify.metrics import Backlog, NotifyMetrics
from omega_tasks.notify.sinks import build
from omega_tasks.notify.sinks.base import SinkSpec
from omega_tasks.store import Store

log = logging.getLogger(__name__)
LOOPBACK = ("localhost",)


def sink_specs(settings: Settings, extra: Sequence[SinkSpec]) -> list[SinkSpec]:
    """The sinks of the sinks file (if set) and those from the command line."""
    specs = list(extra)
    if settings.notify_sinks_file:
        specs = sinkfile.load(Path(settings.notify_sinks_file)) + specs
    if not specs:
        raise ConfigError("no sink: set OMEGA_NOTIFY_SINKS_FILE or pass --webhook URL")
    names = [s.name for s in specs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"sink name {twice[0]!r} is used twice")
    return specs


def check_receiver(settings: Settings) -> None:
    """Refuse a receiver bound beyond this machine without a token."""
    host = settings.notify_receiver_host
    if settings.notify_receiver_port == 0 or settings.notify_receiver_token:
        return
    try:
        local = host in LOOPBACK or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise ConfigError(f"OMEGA_NOTIFY_RECEIVER_HOST={host!r} reaches beyond this machine: "
                          "set OMEGA_NOTIFY_RECEIVER_TOKEN too")


def run(settings: Settings, specs: Sequence[SinkSpec], stop: threading.Event,
        from_now: bool = False) -> None:
    """Deliver to every sink until ``stop`` is set; a sink that fails for good raises."""
    check_receiver(settings)
    store = Store.connect(settings)
    registry = CollectorRegistry()
    metrics = NotifyMetrics(registry)
    registry.register(Backlog(store, [s.name for s in specs]))
    endpoint = serve(settings, registry)
    alerts = None
    if settings.notify_receiver_port:
        alerts = receiver.serve(store, settings.notify_receiver_host,
                                settings.notify_receiver_port, settings.notify_receiver_token,
                                metrics.alerts_received)
    failures: list[BaseException] = []

    def consume(spec: SinkSpec) -> None:
        sink = build(spec, settings.telegram_api_url, settings.dashboard_url)
        backoff = Backoff(settings.notify_backoff_s, settings.notify_backoff_max_s)
        try:
            SinkConsumer(store, sink, from_now, backoff, metrics).run(stop)
        except BaseException as exc:
            failures.append(exc)
            stop.set()

    threads = [threading.Thread(target=consume, args=(s,), name=f"sink-{s.name}", daemon=True)
               for s in specs]
    for thread in threads:
        thread.start()
    try:
        stop.wait()
        for thread in threads:
            thread.join()
    finally:
        for server in (alerts, endpoint):
            if server is not None:
                server.shutdown()
        store.close()
    if failures:
        raise failures[0]
