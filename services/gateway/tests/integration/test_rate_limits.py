from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.subscription.v1 import Entitlements, SubscriptionChanged
from nocturna_platform.ids import uuid7

from services.gateway.tests.conftest import LIMIT, GatewayHarness

pytestmark = pytest.mark.integration

ECHO = "/api/v1/plans/echo"


def client_ip() -> dict[str, str]:
    """A fresh client address (named by the trusted proxy), so each test has its own anonymous bucket."""
    return {"x-forwarded-for": f"198.51.100.{uuid4().int % 250 + 1}, 127.0.0.1"}


async def test_every_answer_carries_the_rate_limit_headers(gateway: GatewayHarness) -> None:
    headers = client_ip()
    first = await gateway.client.get(ECHO, headers=headers)
    second = await gateway.client.get("/api/v1/plans/no-such-route", headers=headers)
    assert first.status_code == 200
    assert first.headers["ratelimit-limit"] == str(LIMIT)
    assert first.headers["ratelimit-remaining"] == str(LIMIT - 1)
    assert first.headers["ratelimit-policy"] == f"{LIMIT};w=60"
    assert 1 <= int(first.headers["ratelimit-reset"]) <= 60
    assert second.status_code == 404
    assert second.headers["ratelimit-remaining"] == str(LIMIT - 2)


async def test_an_anonymous_client_past_its_limit_gets_429_with_retry_after_and_others_do_not(
    gateway: GatewayHarness,
) -> None:
    headers = client_ip()
    answers = [await gateway.client.get(ECHO, headers=headers) for _ in range(LIMIT + 1)]
    assert [a.status_code for a in answers] == [200] * LIMIT + [429]
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-remaining"] == "0"
    assert (await gateway.client.get(ECHO, headers=client_ip())).status_code == 200
    assert gateway.metric("gateway_rate_limited_total", caller="address") >= 1


async def test_users_are_limited_per_subject_and_api_keys_per_key(gateway: GatewayHarness) -> None:
    user = uuid4()
    for _ in range(LIMIT):
        assert (await gateway.client.get(ECHO, headers=gateway.auth.bearer(user))).status_code == 200
    assert (await gateway.client.get(ECHO, headers=gateway.auth.bearer(user))).status_code == 429
    key = gateway.auth.api_key(user)
    by_key = await gateway.client.get(ECHO, headers=key)
    assert by_key.status_code == 200
    assert by_key.headers["ratelimit-remaining"] == str(LIMIT - 1)
    for _ in range(LIMIT - 1):
        assert (await gateway.client.get(ECHO, headers=key)).status_code == 200
    assert (await gateway.client.get(ECHO, headers=key)).status_code == 429
    other_key = await gateway.client.get(ECHO, headers=gateway.auth.api_key(user))
    assert other_key.headers["ratelimit-remaining"] == str(LIMIT - 1), "each key has its own bucket"
    assert (await gateway.client.get(ECHO, headers=gateway.auth.bearer(uuid4()))).status_code == 200


async def test_a_plan_change_event_raises_the_users_limit(gateway: GatewayHarness) -> None:
    user = uuid4()
    for _ in range(LIMIT):
        await gateway.client.get(ECHO, headers=gateway.auth.bearer(user))
    assert (await gateway.client.get(ECHO, headers=gateway.auth.bearer(user))).status_code == 429

    await publish_plan_change(gateway, user, rate_limit_per_minute=300, version=2)
    answer = await eventually_limit(gateway, user, 300)
    assert answer.status_code == 200
    assert int(answer.headers["ratelimit-remaining"]) >= 300 - LIMIT - 2

    await publish_plan_change(gateway, user, rate_limit_per_minute=10, version=1)  # stale: ignored
    await asyncio.sleep(0.5)
    late = await gateway.client.get(ECHO, headers=gateway.auth.api_key(user))
    assert late.headers["ratelimit-limit"] == "300", "an API key is limited at its owner's plan"


async def test_requests_pass_unchecked_while_redis_is_down_and_limits_return_after(
    gateway: GatewayHarness,
) -> None:
    assert gateway.redis_proxy is not None
    headers = client_ip()
    before = gateway.metric("gateway_rate_limit_fail_open_total")
    gateway.redis_proxy.cut()
    try:
        answers = [await gateway.client.get(ECHO, headers=headers) for _ in range(LIMIT + 3)]
    finally:
        gateway.redis_proxy.restore()
    assert [a.status_code for a in answers] == [200] * (LIMIT + 3)
    assert "ratelimit-limit" not in answers[-1].headers
    assert gateway.metric("gateway_rate_limit_fail_open_total") >= before + LIMIT + 3

    await asyncio.sleep(0.4)  # the outage cooldown
    recovered = await gateway.client.get(ECHO, headers=headers)
    assert recovered.status_code == 200
    assert recovered.headers["ratelimit-limit"] == str(LIMIT)


async def test_operational_paths_are_not_limited(gateway: GatewayHarness) -> None:
    headers = client_ip()
    answers = [await gateway.client.get("/health/live", headers=headers) for _ in range(LIMIT + 2)]
    assert all(a.status_code == 200 for a in answers)
    assert "ratelimit-limit" not in answers[0].headers


async def publish_plan_change(
    gateway: GatewayHarness, user: UUID, *, rate_limit_per_minute: int, version: int
) -> None:
    messaging = gateway.service.shell.messaging
    assert messaging is not None
    now = datetime.now(UTC)
    event = SubscriptionChanged(
        user_id=user,
        subscription_id=uuid4(),
        plan_code="pro",
        status="active",
        current_period_start=now,
        current_period_end=now + timedelta(days=30),
        cancel_at_period_end=False,
        entitlements=Entitlements(
            charts_per_month=None,
            saved_charts=None,
            synastry=True,
            transits=True,
            api_keys=2,
            rate_limit_per_minute=rate_limit_per_minute,
            batch=False,
        ),
        version=version,
        changed_at=now,
    )
    envelope = Envelope.wrap(event, event_id=uuid7(), occurred_at=now)
    await messaging.broker.publish(
        envelope.model_dump_json().encode(),
        exchange=messaging.topology.exchange,
        routing_key=event.event_type,
        message_id=str(envelope.event_id),
        content_type="application/json",
    )


async def eventually_limit(gateway: GatewayHarness, user: UUID, limit: int):  # type: ignore[no-untyped-def]
    for _ in range(100):
        answer = await gateway.client.get(ECHO, headers=gateway.auth.bearer(user))
        if answer.headers.get("ratelimit-limit") == str(limit):
            return answer
        await asyncio.sleep(0.05)
    raise AssertionError(f"the limit never became {limit}")
