"""Prometheus instruments of the messaging plumbing, registered in the service's own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class MessagingMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.outbox_backlog = Gauge(
            "outbox_backlog", "Events written but not yet published", registry=registry
        )
        self.outbox_oldest_age = Gauge(
            "outbox_oldest_age_seconds", "Age of the oldest unpublished event", registry=registry
        )
        self.outbox_published = Counter(
            "outbox_published_total", "Events published with a broker confirm", registry=registry
        )
        self.outbox_publish_failures = Counter(
            "outbox_publish_failures_total", "Relay batches that failed to publish", registry=registry
        )
        self.consumed = Counter(
            "consumer_messages_total",
            "Messages handled by consumers, by outcome",
            ["queue", "outcome"],
            registry=registry,
        )
        self.consumer_failures = Counter(
            "consumer_failures_total", "Handler failures (each retry counts)", ["queue"], registry=registry
        )
        self.consume_duration = Histogram(
            "consumer_duration_seconds",
            "Time spent handling one message",
            ["queue"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=registry,
        )
        self.dlq_depth = Gauge(
            "dlq_depth", "Messages waiting in a dead-letter queue", ["queue"], registry=registry
        )
