"""The middleware with the in-memory limiter: who is counted, and failing open without hammering a dead store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
from nocturna_gateway.rate_limiting.decision import RateLimitDecision
from nocturna_gateway.rate_limiting.middleware import RateLimitMetrics, RateLimitMiddleware
from nocturna_gateway.rate_limiting.redis_limiter import RateLimitKeys
from nocturna_gateway.settings import RateLimitSettings
from nocturna_platform.resilience.breaker import CircuitBreaker
from nocturna_platform.security.principal import Principal
from prometheus_client import CollectorRegistry
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.types import Receive, Scope, Send

from services.gateway.tests.fakes import FakeClock, InMemoryRateLimiter

KEYS = RateLimitKeys("unit:")


class UnreachableStore:
    def __init__(self) -> None:
        self.calls = 0

    async def check(
        self, bucket: str, plan_key: str | None, default_limit: int, now_ms: int
    ) -> RateLimitDecision:
        self.calls += 1
        raise RedisConnectionError("connection refused")


def principal(user: UUID, token_id: str = "jti") -> Principal:
    return Principal(
        user, None, frozenset({"user"}), frozenset(), token_id, datetime.now(UTC) + timedelta(minutes=5)
    )


async def ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def client_for(middleware: RateLimitMiddleware, state: dict[str, object] | None = None) -> httpx.AsyncClient:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scope["state"] = dict(state or {})
        await middleware(scope, receive, send)

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 1234)), base_url="http://gw.test"
    )


def middleware(limiter: object, clock: FakeClock, registry: CollectorRegistry) -> RateLimitMiddleware:
    return RateLimitMiddleware(
        ok,
        limiter=limiter,  # type: ignore[arg-type]
        keys=KEYS,
        settings=RateLimitSettings(default_per_minute=3, anonymous_per_minute=2),
        trusted_proxies=[],
        metrics=RateLimitMetrics(registry),
        outage_breaker=CircuitBreaker(failure_threshold=1, cooldown_seconds=5.0, clock=clock),
        clock_ms=lambda: int(clock() * 1000),
    )


async def test_anonymous_callers_are_counted_by_address_at_the_anonymous_limit() -> None:
    limiter = InMemoryRateLimiter(KEYS)
    async with client_for(middleware(limiter, FakeClock(), CollectorRegistry())) as client:
        statuses = [(await client.get("/x")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert set(limiter.buckets) == {KEYS.address("203.0.113.9")}


async def test_a_user_is_counted_by_subject_at_the_plan_limit_and_an_api_key_by_key() -> None:
    limiter = InMemoryRateLimiter(KEYS)
    user = uuid4()
    await limiter.set_plan_limit(user, 10, version=1)
    subject = middleware(limiter, FakeClock(), CollectorRegistry())
    async with client_for(subject, {"principal": principal(user), "credential": "token"}) as c:
        by_token = await c.get("/x")
    async with client_for(subject, {"principal": principal(user, "key-7"), "credential": "api_key"}) as c:
        by_key = await c.get("/x")
    assert by_token.headers["ratelimit-limit"] == by_key.headers["ratelimit-limit"] == "10"
    assert set(limiter.buckets) == {KEYS.user(user), KEYS.api_key(user, "key-7")}


async def test_a_failing_store_lets_requests_through_and_is_left_alone_for_the_cooldown() -> None:
    store, clock, registry = UnreachableStore(), FakeClock(), CollectorRegistry()
    async with client_for(middleware(store, clock, registry)) as client:
        answers = [await client.get("/x") for _ in range(4)]
        assert store.calls == 1
        clock.advance(5)
        await client.get("/x")
    assert [a.status_code for a in answers] == [200] * 4
    assert "ratelimit-limit" not in answers[0].headers
    assert store.calls == 2, "one probe after the cooldown"
    assert registry.get_sample_value("gateway_rate_limit_fail_open_total") == 5
