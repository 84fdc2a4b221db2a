"""The Redis store of started OpenID logins and its fake pass one contract: taken once, gone when expired."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest
import redis.asyncio as aioredis
from nocturna_auth.application.openid_providers import OidcLoginFlow
from nocturna_auth.infrastructure.oidc_login_flows import RedisOidcLoginFlows
from nocturna_platform.testing.plugin import TestRun

from services.auth.tests.fakes import InMemoryOidcLoginFlows

pytestmark = pytest.mark.integration

FLOW = OidcLoginFlow("acme", "the-nonce", "the-verifier")


class Flows(Protocol):
    async def put(self, state: str, flow: OidcLoginFlow, ttl: timedelta) -> None: ...

    async def take(self, state: str) -> OidcLoginFlow | None: ...


@pytest.fixture
async def redis_client(test_env: dict[str, str]) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(test_env["REDIS_URL"])
    yield client
    await client.aclose()


class _Expiring:
    """Moves the fake's clock by the TTL; Redis expires on its own."""

    def __init__(self, flows: Flows) -> None:
        self.flows = flows

    async def wait(self, ttl: timedelta) -> None:
        if isinstance(self.flows, InMemoryOidcLoginFlows):
            self.flows.now += ttl
        else:
            await asyncio.sleep(ttl.total_seconds() + 0.05)


@pytest.fixture(params=["redis", "in-memory"])
def flows(request: pytest.FixtureRequest, redis_client: aioredis.Redis, test_run: TestRun) -> _Expiring:
    if request.param == "in-memory":
        return _Expiring(InMemoryOidcLoginFlows(datetime.now(UTC)))
    return _Expiring(RedisOidcLoginFlows(redis_client, f"{test_run.redis_key_prefix}{uuid.uuid4().hex[:8]}:"))


async def test_a_flow_is_taken_once(flows: _Expiring) -> None:
    await flows.flows.put("state-1", FLOW, timedelta(minutes=1))

    assert await flows.flows.take("state-2") is None
    assert await flows.flows.take("state-1") == FLOW
    assert await flows.flows.take("state-1") is None


async def test_a_flow_expires(flows: _Expiring) -> None:
    await flows.flows.put("state-1", FLOW, timedelta(milliseconds=200))

    await flows.wait(timedelta(milliseconds=200))

    assert await flows.flows.take("state-1") is None


async def test_the_state_is_not_a_redis_key(redis_client: aioredis.Redis, test_run: TestRun) -> None:
    prefix = f"{test_run.redis_key_prefix}{uuid.uuid4().hex[:8]}:"
    await RedisOidcLoginFlows(redis_client, prefix).put("very-secret-state", FLOW, timedelta(minutes=1))

    keys = [key.decode() async for key in redis_client.scan_iter(match=f"{prefix}*")]

    assert len(keys) == 1
    assert "very-secret-state" not in keys[0]
    assert 0 < await redis_client.pttl(keys[0]) <= 60_000
