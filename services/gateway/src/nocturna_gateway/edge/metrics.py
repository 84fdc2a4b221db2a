"""Counters of edge authentication, in the service's registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class EdgeAuthMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.refusals = Counter(
            "gateway_edge_auth_refusals",
            "Credentials refused at the edge, by reason.",
            ["reason"],
            registry=registry,
        )
        self.redis_unavailable = Counter(
            "gateway_edge_auth_redis_unavailable",
            "Deny-list checks or API-key cache lookups skipped because Redis failed (fail open).",
            ["operation"],
            registry=registry,
        )
