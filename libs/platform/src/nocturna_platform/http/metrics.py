"""Prometheus metrics of one app, in a registry of its own (never the global one), served at `/metrics`."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from starlette.responses import Response

METRICS_PATH = "/metrics"
UNMATCHED_ROUTE = "<unmatched>"

_DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Anything else a client sends is folded into one label value, so odd methods cannot grow cardinality.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ServiceMetrics:
    """HTTP rate, errors, duration and concurrency of one app; other modules (outbox, consumers) register
    their own collectors in `registry` so one scrape sees the whole service."""

    def __init__(self, *, process_metrics: bool = True) -> None:
        self.registry = CollectorRegistry()
        if process_metrics:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        self._requests = Counter(
            "http_requests",
            "HTTP requests answered, by route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self._duration = Histogram(
            "http_request_duration_seconds",
            "Time from request start to the end of the response body.",
            ("method", "route"),
            buckets=_DURATION_BUCKETS,
            registry=self.registry,
        )
        self._in_progress = Gauge(
            "http_requests_in_progress", "HTTP requests being handled now.", registry=self.registry
        )
        # labels() validates and locks on every call; the label sets are few, so keep the children.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def request_started(self) -> None:
        self._in_progress.inc()

    def request_finished(self, *, method: str, route: str, status: int, duration_seconds: float) -> None:
        """`route` must be a template (`/api/v1/charts/{chart_id}`) or UNMATCHED_ROUTE, never a raw path."""
        self._in_progress.dec()
        if method not in _KNOWN_METHODS:
            method = "OTHER"
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self._requests.labels(method, route, str(status)),
                self._duration.labels(method, route),
            )
            self._children[key] = children
        counter, histogram = children
        counter.inc()
        histogram.observe(duration_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_router(metrics: ServiceMetrics) -> APIRouter:
    router = APIRouter()

    @router.get(METRICS_PATH, include_in_schema=False)
    async def scrape() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)

    return router
