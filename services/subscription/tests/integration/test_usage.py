from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from nocturna_contracts.auth.v1 import UserRegistered
from nocturna_contracts.chart.v1 import ChartCalculated
from nocturna_platform.ids import uuid7
from nocturna_platform.testing.serving import serving
from nocturna_subscription.bootstrap import SubscriptionService
from nocturna_subscription.settings import SubscriptionSettings
from sqlalchemy import text

from services.subscription.tests.conftest import SubscriptionHarness, eventually, with_test_keys


def _calculated(user_id: UUID) -> ChartCalculated:
    return ChartCalculated(
        calculation_id=uuid7(), user_id=user_id, engine="swisseph", calculated_at=datetime.now(UTC)
    )


async def _used(subscription: SubscriptionHarness, user_id: UUID, expected: int) -> int:
    response = await eventually(
        lambda: subscription.get("/api/v1/usage/me", user_id),
        lambda r: r.status_code == 200 and r.json()["charts"]["used"] >= expected,
    )
    used: int = response.json()["charts"]["used"]
    return used


async def test_usage_shape_for_a_new_free_user(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    body = (await subscription.get("/api/v1/usage/me", user_id)).json()
    me = (await subscription.get("/api/v1/subscriptions/me", user_id)).json()

    assert body["charts"] == {"used": 0, "limit": 10}
    assert body["period"] == me["current_period"]


async def test_an_event_delivered_twice_counts_once(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()
    event = _calculated(user_id)
    event_id = await subscription.publish(event)
    await subscription.publish(event, event_id)
    await subscription.publish(
        _calculated(user_id)
    )  # a later, distinct event: once it counts, both were seen

    assert await _used(subscription, user_id, 2) == 2


async def test_a_thousand_concurrent_charts_count_exactly_a_thousand(
    subscription: SubscriptionHarness, test_env: dict[str, str]
) -> None:
    """Two replicas compete for the queue with prefetch; the atomic counter loses nothing."""
    user_id = await subscription.registered_user()
    replica = SubscriptionService(SubscriptionSettings())
    with_test_keys(replica, subscription.key)
    async with serving(replica):
        for _ in range(1000):
            await subscription.publish(_calculated(user_id))
        assert await _used(subscription, user_id, 1000) == 1000

    shell = subscription.service.shell
    assert shell.session_factory is not None
    async with shell.session_factory() as session:
        records = await session.scalar(
            text("SELECT count(*) FROM subscription.usage_records WHERE user_id = :u"), {"u": user_id}
        )
        thresholds = await session.scalar(
            text("SELECT count(*) FROM subscription.quota_thresholds_sent WHERE user_id = :u"), {"u": user_id}
        )
    assert (records, thresholds) == (1000, 2)


async def test_usage_of_a_user_whose_plan_arrives_later_is_retried_and_counted_once(
    subscription: SubscriptionHarness,
) -> None:
    """The batch leaves the unknown user's event to the one-by-one path, which retries it with a delay."""
    user_id, registered_at = uuid7(), datetime.now(UTC)
    calculated = _calculated(user_id).model_copy(
        update={"calculated_at": registered_at + timedelta(seconds=1)}
    )
    await subscription.publish(calculated)
    await subscription.publish(
        UserRegistered(user_id=user_id, email=f"{user_id.hex}@example.com", registered_at=registered_at)
    )

    assert await _used(subscription, user_id, 1) == 1
