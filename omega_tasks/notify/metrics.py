"""``omega notify``'s own Prometheus metrics, fed by its consumers' observer."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from omega_tasks.notify.observer import DeliveryObserver

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
