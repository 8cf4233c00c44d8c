"""``omega notify``'s own Prometheus metrics, fed by its consumers' observer."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from omega_tasks.notify.consumer import group_name
from omega_tasks.notify.observer import DeliveryObserver
from omega_tasks.store import Store

DELIVERY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0)


def refusal_class(reason: str) -> str:
    """A refusal's reason as a metric label: the HTTP status, or unreachable."""
    return reason.split(" ", 2)[1] if reason.startswith("HTTP ") else "unreachable"


class NotifyMetrics(DeliveryObserver):
    def __init__(self, registry: CollectorRegistry) -> None:
        sink = ("sink",)
        self.delivered_n = Counter("omega_notify_delivered", "notices a sink accepted", sink,
                                   registry=registry)
        self.refusals = Counter("omega_notify_refusals", "attempts a sink refused",
                                ("sink", "reason"), registry=registry)
        self.dead = Counter("omega_notify_dead_letters", "notices dead-lettered", sink,
                            registry=registry)
        self.skipped = Counter("omega_notify_filtered", "notices a sink's filter passed over",
                               sink, registry=registry)
        self.held = Counter("omega_notify_held_back", "notices the rate limit held back", sink,
                            registry=registry)
        self.alerts = Counter("omega_notify_alerts_received",
                              "fleet alerts received from Alertmanager", registry=registry)
        self.delivery_s = Histogram("omega_notify_delivery_seconds",
                                    "seconds from first attempt to acceptance", sink,
                                    buckets=DELIVERY_BUCKETS_S, registry=registry)

    def delivered(self, sink: str, seconds: float) -> None:
        self.delivered_n.labels(sink).inc()
        self.delivery_s.labels(sink).observe(seconds)

    def refused(self, sink: str, reason: str) -> None:
        self.refusals.labels(sink, refusal_class(reason)).inc()

    def dead_lettered(self, sink: str) -> None:
        self.dead.labels(sink).inc()

    def filtered(self, sink: str) -> None:
        self.skipped.labels(sink).inc()

    def held_back(self, sink: str) -> None:
        self.held.labels(sink).inc()

    def alerts_received(self, count: int) -> None:
        self.alerts.inc(count)


class Backlog:
    """Entries each sink has still to handle (read but not acknowledged, or not yet read),
    from its consumer groups at scrape time."""

    def __init__(self, store: Store, sinks: Sequence[str]) -> None:
        self.store = store
        self.sinks = sinks

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily("omega_notify_backlog_entries",
                                    "stream entries a sink has not yet handled", labels=["sink"])
        streams = [self.store.symbol(x, s).events for x, s in self.store.symbols()]
        behind = dict.fromkeys(self.sinks, 0)
        for stream in [*streams, self.store.keys.alerts]:
            try:
                groups = self.store.redis.xinfo_groups(stream)
            except redis.ResponseError:  # no such stream yet
                continue
            for group in groups:
                for sink in self.sinks:
                    if group["name"].decode() == group_name(sink):
                        behind[sink] += int(group["pending"]) + int(group.get("lag") or 0)
        for sink, count in behind.items():
            backlog.add_metric([sink], count)
        yield backlog
