"""Sending one request to an upstream within its timeouts, its breaker and the retry policy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

import httpx
from nocturna_platform.http.problems import Problem
from nocturna_platform.resilience.breaker import BreakerState, CircuitBreaker, CircuitOpen
from prometheus_client import CollectorRegistry, Counter

from nocturna_gateway.routing import Upstream
from nocturna_gateway.settings import ProxySettings, ResilienceSettings

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

logger = logging.getLogger("nocturna.gateway.upstreams")


class UpstreamMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.retries = Counter(
            "gateway_upstream_retries",
            "Requests sent again after a connect error.",
            ("upstream",),
            registry=registry,
        )
        self.failures = Counter(
            "gateway_upstream_failures",
            "Upstream calls that failed (connect error, timeout, broken answer).",
            ("upstream", "kind"),
            registry=registry,
        )
        self.short_circuited = Counter(
            "gateway_upstream_short_circuited",
            "Requests answered 503 at once because the upstream's breaker is open.",
            ("upstream",),
            registry=registry,
        )


class UpstreamCalls:
    """One breaker per upstream. Connect errors are retried for idempotent methods only: nothing of the
    request has left yet, so the body stream is still unread. A timeout or a broken answer is never retried
    (the upstream may have acted on it)."""

    def __init__(
        self,
        upstreams: tuple[Upstream, ...],
        settings: ResilienceSettings,
        proxy: ProxySettings,
        clock: Callable[[], float],
        metrics: UpstreamMetrics,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self.breakers: Mapping[str, CircuitBreaker] = {
            upstream.name: CircuitBreaker(
                failure_threshold=settings.breaker_failure_threshold,
                cooldown_seconds=settings.breaker_cooldown_seconds,
                clock=clock,
            )
            for upstream in upstreams
        }
        timeouts = settings.timeouts.model_dump()
        self._timeouts = {
            upstream.name: httpx.Timeout(
                timeouts[upstream.name]["read_seconds"],
                connect=timeouts[upstream.name]["connect_seconds"],
                pool=proxy.pool_timeout_seconds,
            )
            for upstream in upstreams
        }

    def timeout_for(self, upstream: Upstream) -> httpx.Timeout:
        return self._timeouts[upstream.name]

    async def send(
        self, client: httpx.AsyncClient, upstream: Upstream, request: httpx.Request
    ) -> httpx.Response:
        """The upstream's answer (body unread), or a 502/503/504 Problem."""
        breaker = self.breakers[upstream.name]
        retries = self._settings.retries if request.method in IDEMPOTENT_METHODS else 0
        attempt = 0
        while True:
            try:
                breaker.acquire()
            except CircuitOpen as refused:
                self._metrics.short_circuited.labels(upstream.name).inc()
                raise _circuit_open(refused.retry_after) from refused
            try:
                response = await client.send(request, stream=True)
            except httpx.PoolTimeout as error:
                # Our own pool is saturated: not the upstream's fault, so its breaker is left alone.
                breaker.release()
                raise _unavailable("The gateway is saturated; retry shortly.") from error
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                self._failed(breaker, upstream, "connect")
                if attempt < retries:
                    attempt += 1
                    self._metrics.retries.labels(upstream.name).inc()
                    await asyncio.sleep(self._settings.retry_backoff_seconds * attempt)
                    continue
                raise _unavailable("The service cannot be reached.") from error
            except httpx.TimeoutException as error:
                self._failed(breaker, upstream, "timeout")
                raise Problem(
                    504, "upstream_timeout", "Upstream timed out", "The service did not answer in time."
                ) from error
            except httpx.TransportError as error:
                self._failed(breaker, upstream, "protocol")
                raise Problem(
                    502, "bad_gateway", "Bad gateway", "The service answered with a broken response."
                ) from error
            except BaseException:
                breaker.release()  # cancelled (the client went away): says nothing about the upstream
                raise
            breaker.success()
            return response

    def _failed(self, breaker: CircuitBreaker, upstream: Upstream, kind: str) -> None:
        was_open = breaker.state is BreakerState.OPEN
        breaker.failure()
        self._metrics.failures.labels(upstream.name, kind).inc()
        if not was_open and breaker.state is BreakerState.OPEN:
            logger.warning("circuit opened for upstream %s", upstream.name, extra={"upstream": upstream.name})


def _unavailable(detail: str) -> Problem:
    return Problem(503, "upstream_unavailable", "Service unavailable", detail)


def _circuit_open(retry_after_seconds: float) -> Problem:
    return Problem(
        503,
        "upstream_unavailable",
        "Service unavailable",
        "The service is failing; calls to it are paused for a moment.",
        headers={"Retry-After": str(max(1, round(retry_after_seconds + 0.5)))},
    )
