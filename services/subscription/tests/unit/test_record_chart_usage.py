from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from nocturna_contracts.subscription.v1 import QuotaThresholdReached
from nocturna_platform.messaging.meta import EventMeta
from nocturna_subscription.application.queries import GetMyUsageHandler
from nocturna_subscription.application.record_chart_usage import (
    RecordChartUsage,
    RecordChartUsageHandler,
    SubscriptionNotYetKnown,
)
from nocturna_subscription.domain.subscriptions import Entitlements, Plan, Subscription

from services.subscription.tests.fakes import InMemorySubscriptionStore

START = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
USER = UUID("0190a000-0000-7000-8000-000000000001")


def _plan(limit: int | None) -> Plan:
    return Plan(
        code="free",
        name="Free",
        price_minor=0,
        currency="EUR",
        interval="month",
        entitlements=Entitlements(
            charts_per_month=limit,
            saved_charts=20,
            synastry=False,
            transits=False,
            api_keys=0,
            rate_limit_per_minute=60,
            batch=False,
        ),
    )


def _store(limit: int | None = 10) -> InMemorySubscriptionStore:
    plan = _plan(limit)
    store = InMemorySubscriptionStore([plan])
    store.subscriptions[USER] = Subscription.start_free(
        subscription_id=UUID(int=9), user_id=USER, plan=plan, now=START
    )
    return store


def _meta(event_id: int) -> EventMeta:
    return EventMeta(
        consumer="subscription",
        event_id=UUID(int=event_id),
        event_type="chart.chart.calculated.v1",
        occurred_at=START,
        producer="chart",
        correlation_id=None,
        causation_id=None,
        delivery_attempt=1,
    )


async def _calculated(store: InMemorySubscriptionStore, event_id: int, at: datetime = START) -> None:
    handler = RecordChartUsageHandler(store, lambda: at)
    await handler(RecordChartUsage(USER, UUID(int=1000 + event_id), "natal", at), _meta(event_id))


async def _used_at(store: InMemorySubscriptionStore, now: datetime) -> tuple[datetime, datetime, int]:
    usage = await GetMyUsageHandler(store, lambda: now)(USER)
    assert usage is not None
    return usage.period.start, usage.period.end, usage.used


async def test_an_event_delivered_twice_counts_once() -> None:
    store = _store()

    await _calculated(store, 1)
    await _calculated(store, 1)

    assert await _used_at(store, START) == (START, datetime(2026, 2, 28, 9, 30, tzinfo=UTC), 1)
    assert len(store.usage_records) == 1


async def test_usage_at_the_period_boundary_lands_in_the_period_it_happened_in() -> None:
    store = _store()
    boundary = datetime(2026, 2, 28, 9, 30, tzinfo=UTC)
    just_before = datetime(2026, 2, 28, 9, 29, 59, 999999, tzinfo=UTC)

    await _calculated(store, 1, just_before)
    await _calculated(store, 2, boundary)
    await _calculated(store, 3, datetime(2026, 3, 31, 9, 0, tzinfo=UTC))

    assert await _used_at(store, just_before) == (START, boundary, 1)
    assert await _used_at(store, boundary) == (boundary, datetime(2026, 3, 31, 9, 30, tzinfo=UTC), 2)


async def test_a_late_event_counts_in_the_earlier_period() -> None:
    store = _store()

    await _calculated(store, 1, datetime(2026, 1, 15, tzinfo=UTC))  # before the current period began

    assert await _used_at(store, datetime(2026, 1, 20, tzinfo=UTC)) == (
        datetime(2025, 12, 31, 9, 30, tzinfo=UTC),
        START,
        1,
    )
    assert await _used_at(store, START) == (START, datetime(2026, 2, 28, 9, 30, tzinfo=UTC), 0)


async def test_thresholds_are_announced_once_each_per_period() -> None:
    store = _store(limit=10)

    for event_id in range(1, 13):
        await _calculated(store, event_id)
    await _calculated(store, 100, datetime(2026, 3, 1, tzinfo=UTC))  # next period: below 80 %

    events = [e for e in store.messaging.published if isinstance(e, QuotaThresholdReached)]
    assert [(e.threshold_percent, e.used, e.limit) for e in events] == [(80, 8, 10), (100, 10, 10)]
    assert {e.period_start for e in events} == {START}


async def test_thresholds_fire_again_in_the_next_period() -> None:
    store = _store(limit=5)
    next_period = datetime(2026, 3, 1, tzinfo=UTC)

    for event_id in range(1, 6):
        await _calculated(store, event_id)
    for event_id in range(6, 11):
        await _calculated(store, event_id, next_period)

    events = [e for e in store.messaging.published if isinstance(e, QuotaThresholdReached)]
    assert [(e.threshold_percent, e.period_start) for e in events] == [
        (80, START),
        (100, START),
        (80, datetime(2026, 2, 28, 9, 30, tzinfo=UTC)),
        (100, datetime(2026, 2, 28, 9, 30, tzinfo=UTC)),
    ]


async def test_unlimited_plans_announce_no_threshold_and_report_no_limit() -> None:
    store = _store(limit=None)

    for event_id in range(1, 20):
        await _calculated(store, event_id)

    assert store.messaging.published == []
    usage = await GetMyUsageHandler(store, lambda: START)(USER)
    assert usage is not None
    assert (usage.used, usage.limit) == (19, None)


async def test_usage_before_the_subscription_exists_is_retried_not_lost() -> None:
    store = InMemorySubscriptionStore([_plan(10)])

    with pytest.raises(SubscriptionNotYetKnown):
        await _calculated(store, 1)

    assert store.messaging.claimed == set()
    assert store.usage_records == {}
