"""Pure ASGI middleware: one Redis script call per request, `RateLimit-*` headers on the answer, 429 past
the limit. It must run after edge authentication, which leaves the principal in `request.state`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from nocturna_platform.http.client import Network, client_address
from nocturna_platform.http.problems import Problem, ProblemResponse
from nocturna_platform.resilience.breaker import CircuitBreaker, CircuitOpen
from nocturna_platform.security.principal import Principal
from prometheus_client import CollectorRegistry, Counter
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nocturna_gateway.rate_limiting.decision import PERIOD_MS, RateLimitDecision
from nocturna_gateway.rate_limiting.redis_limiter import RateLimitKeys
from nocturna_gateway.settings import RateLimitSettings

logger = logging.getLogger("nocturna.gateway.rate_limit")

_WINDOW_SECONDS = PERIOD_MS // 1000


class RateLimiter(Protocol):
    async def check(
        self, bucket: str, plan_key: str | None, default_limit: int, now_ms: int
    ) -> RateLimitDecision: ...


class RateLimitMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.limited = Counter(
            "gateway_rate_limited",
            "Requests answered 429, by kind of caller.",
            ("caller",),
            registry=registry,
        )
        self.fail_open = Counter(
            "gateway_rate_limit_fail_open",
            "Requests let through unchecked because the rate-limit store failed or is paused after failing.",
            registry=registry,
        )


class RateLimitMiddleware:
    """Users are limited per subject, API-key calls per key (at the owner's plan limit), anonymous calls per
    client address. Redis failing lets requests through (fail open), logged and counted, and pauses the
    checks for a cooldown so an outage costs no timeout per request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: RateLimiter,
        keys: RateLimitKeys,
        settings: RateLimitSettings,
        trusted_proxies: Sequence[Network],
        metrics: RateLimitMetrics,
        outage_breaker: CircuitBreaker,
        exempt_paths: Collection[str] = (),
        clock_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
    ) -> None:
        self.app = app
        self._limiter = limiter
        self._keys = keys
        self._settings = settings
        self._trusted = list(trusted_proxies)
        self._metrics = metrics
        self._breaker = outage_breaker
        self._exempt = frozenset(exempt_paths)
        self._clock_ms = clock_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._exempt:
            await self.app(scope, receive, send)
            return
        caller, bucket, plan_key, default_limit = self._bucket(scope)
        decision = await self._check(bucket, plan_key, default_limit)
        if decision is None:
            await self.app(scope, receive, send)
            return
        headers = _headers(decision)
        if not decision.allowed:
            self._metrics.limited.labels(caller).inc()
            problem = Problem(
                429,
                "rate_limited",
                "Too many requests",
                f"The limit is {decision.limit} requests per minute; retry after the time in Retry-After.",
                headers={
                    **{name.decode(): value.decode() for name, value in headers},
                    "Retry-After": str(decision.retry_after_seconds),
                },
            )
            await ProblemResponse(problem, instance=scope["path"])(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _bucket(self, scope: Scope) -> tuple[str, str, str | None, int]:
        state = scope.get("state") or {}
        principal = state.get("principal")
        if isinstance(principal, Principal):
            plan_key = self._keys.plan(principal.subject)
            if state.get("credential") == "api_key":
                bucket = self._keys.api_key(principal.subject, principal.token_id)
                return "api_key", bucket, plan_key, self._settings.default_per_minute
            return "user", self._keys.user(principal.subject), plan_key, self._settings.default_per_minute
        address = client_address(Request(scope), self._trusted) or "unknown"
        return "address", self._keys.address(address), None, self._settings.anonymous_per_minute

    async def _check(self, bucket: str, plan_key: str | None, default_limit: int) -> RateLimitDecision | None:
        try:
            self._breaker.acquire()
        except CircuitOpen:
            self._metrics.fail_open.inc()
            return None
        try:
            decision = await self._limiter.check(bucket, plan_key, default_limit, self._clock_ms())
        except (RedisError, OSError, TimeoutError):
            self._breaker.failure()
            self._metrics.fail_open.inc()
            logger.warning("rate-limit store unavailable: letting requests through unchecked", exc_info=True)
            return None
        except BaseException:
            self._breaker.release()
            raise
        self._breaker.success()
        return decision


def _headers(decision: RateLimitDecision) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(decision.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(decision.reset_seconds).encode()),
        (b"ratelimit-policy", f"{decision.limit};w={_WINDOW_SECONDS}".encode()),
    ]
