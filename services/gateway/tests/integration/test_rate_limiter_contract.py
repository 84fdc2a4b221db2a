"""The Redis limiter (its Lua script) and the in-memory fake answer alike, step for step."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
import redis.asyncio as aioredis
from nocturna_gateway.rate_limiting.redis_limiter import (
    ERASED_PLAN_KEEP_SECONDS,
    RateLimitKeys,
    RedisRateLimiter,
)

from services.gateway.tests.fakes import InMemoryRateLimiter

pytestmark = pytest.mark.integration

NOW = 1_700_000_000_000


@pytest.fixture(params=["redis", "in_memory"])
async def limiter(request: pytest.FixtureRequest, test_env: dict[str, str]) -> AsyncIterator[object]:
    keys = RateLimitKeys(test_env["REDIS_KEY_PREFIX"])
    if request.param == "in_memory":
        yield InMemoryRateLimiter(keys)
        return
    client = aioredis.from_url(test_env["REDIS_URL"])
    yield RedisRateLimiter(client, keys)
    await client.aclose()


async def test_a_burst_then_refusal_then_refill(limiter: RedisRateLimiter, test_env: dict[str, str]) -> None:
    keys = RateLimitKeys(test_env["REDIS_KEY_PREFIX"])
    bucket = keys.address(f"test-{uuid4()}")
    decisions = [await limiter.check(bucket, None, 7, NOW + i) for i in range(8)]
    assert [d.allowed for d in decisions] == [True] * 7 + [False]
    assert [d.remaining for d in decisions] == [6, 5, 4, 3, 2, 1, 0, 0]
    refused = decisions[-1]
    later = await limiter.check(bucket, None, 7, NOW + 7 + refused.retry_after_ms)
    assert later.allowed
    assert (refused.retry_after_ms, refused.reset_ms) == (8569, 59997)


async def test_the_plan_limit_applies_and_only_a_newer_version_replaces_it(
    limiter: RedisRateLimiter, test_env: dict[str, str]
) -> None:
    keys = RateLimitKeys(test_env["REDIS_KEY_PREFIX"])
    user = uuid4()
    assert (await limiter.check(keys.user(user), keys.plan(user), 3, NOW)).limit == 3
    assert await limiter.set_plan_limit(user, 100, version=2)
    assert not await limiter.set_plan_limit(user, 10, version=2)
    assert not await limiter.set_plan_limit(user, 10, version=1)
    decision = await limiter.check(keys.user(user), keys.plan(user), 3, NOW + 1)
    assert (decision.limit, decision.remaining) == (100, 100 - 2)
    assert await limiter.set_plan_limit(user, 0, version=3)
    assert not (await limiter.check(keys.user(user), keys.plan(user), 3, NOW + 2)).allowed


async def test_an_erased_plan_stays_erased_and_expires(
    limiter: RedisRateLimiter, test_env: dict[str, str]
) -> None:
    keys = RateLimitKeys(test_env["REDIS_KEY_PREFIX"])
    user = uuid4()
    assert await limiter.set_plan_limit(user, 100, version=2)

    await limiter.erase_plan(user)

    assert not await limiter.set_plan_limit(user, 10, version=3)
    assert (await limiter.check(keys.user(user), keys.plan(user), 3, NOW)).limit == 3
    if isinstance(limiter, RedisRateLimiter):
        client = aioredis.from_url(test_env["REDIS_URL"])
        try:
            ttl = await client.ttl(keys.plan(user))
        finally:
            await client.aclose()
        assert 29 * 24 * 3600 < ttl <= ERASED_PLAN_KEEP_SECONDS
