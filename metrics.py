"""What operators can graph: polls, feed errors, alerts, delivery attempts and latency."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)


class Metrics:
    """One registry per app, so tests and several apps in one process never share counts."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.polls = Counter("pricewatch_polls", "Poll ticks run.", registry=self.registry)
        self.feed_errors = Counter(
            "pricewatch_feed_errors", "Polls that could not read the feed.", registry=self.registry
        )
        self.alerts_created = Counter(
            "pricewatch_alerts_created", "Alerts written to the outbox.", registry=self.registry
        )
        self.alerts = Gauge(
            "pricewatch_alerts", "Alerts in the outbox by state.", ["state"], registry=self.registry
        )
        self.delivery_attempts = Counter(
            "pricewatch_delivery_attempts",
            "Alert delivery attempts by outcome.",
            ["outcome"],
            registry=self.registry,
        )
        self.delivery_latency = Histogram(
            "pricewatch_delivery_latency_seconds",
            "From the poll that saw the price to the alert being sent.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
