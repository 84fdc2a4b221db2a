from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from nocturna_contracts.subscription.v1 import SubscriptionChanged
from nocturna_platform.messaging.meta import EventMeta
from nocturna_subscription.application.start_free_subscription import (
    StartFreeSubscription,
    StartFreeSubscriptionHandler,
)
from nocturna_subscription.domain.subscriptions import Entitlements, Plan

from services.subscription.tests.fakes import InMemorySubscriptionStore

NOW = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
USER = UUID("0190a000-0000-7000-8000-000000000001")
FREE = Plan(
    code="free",
    name="Free",
    price_minor=0,
    currency="EUR",
    interval="month",
    entitlements=Entitlements(
        charts_per_month=10,
        saved_charts=20,
        synastry=False,
        transits=False,
        api_keys=0,
        rate_limit_per_minute=60,
        batch=False,
    ),
)


def _meta(event_id: int) -> EventMeta:
    return EventMeta(
        consumer="subscription",
        event_id=UUID(int=event_id),
        event_type="auth.user.registered.v1",
        occurred_at=NOW,
        producer="auth",
        correlation_id=None,
        causation_id=None,
        delivery_attempt=1,
    )


def _handler(store: InMemorySubscriptionStore) -> StartFreeSubscriptionHandler:
    return StartFreeSubscriptionHandler(store, lambda: NOW, lambda: UUID(int=77))


async def test_a_new_user_gets_the_free_plan_and_it_is_announced() -> None:
    store = InMemorySubscriptionStore([FREE])

    await _handler(store)(StartFreeSubscription(USER), _meta(1))

    subscription = store.subscriptions[USER]
    assert (subscription.plan.code, subscription.status, subscription.version) == ("free", "active", 1)
    assert subscription.current_period_end == datetime(2026, 2, 28, 9, 30, tzinfo=UTC)
    [event] = store.messaging.published
    assert isinstance(event, SubscriptionChanged)
    assert (event.user_id, event.plan_code, event.entitlements.charts_per_month) == (USER, "free", 10)
    assert store.messaging.causes == [_meta(1)]


async def test_a_redelivered_event_has_no_second_effect() -> None:
    store = InMemorySubscriptionStore([FREE])

    await _handler(store)(StartFreeSubscription(USER), _meta(1))
    await _handler(store)(StartFreeSubscription(USER), _meta(1))

    assert len(store.messaging.published) == 1


async def test_a_user_who_has_a_subscription_keeps_it() -> None:
    store = InMemorySubscriptionStore([FREE])
    await _handler(store)(StartFreeSubscription(USER), _meta(1))

    await _handler(store)(StartFreeSubscription(USER), _meta(2))  # another event id for the same user

    assert len(store.subscriptions) == 1
    assert len(store.messaging.published) == 1
    assert ("subscription", UUID(int=2)) in store.messaging.claimed


async def test_a_missing_free_plan_fails_and_claims_nothing() -> None:
    store = InMemorySubscriptionStore([])

    with pytest.raises(LookupError):
        await _handler(store)(StartFreeSubscription(USER), _meta(1))

    assert store.subscriptions == {}
    assert store.messaging.claimed == set()  # rolled back: the redelivery will try again
