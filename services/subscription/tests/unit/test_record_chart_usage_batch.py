from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from nocturna_contracts.subscription.v1 import QuotaThresholdReached
from nocturna_subscription.application.record_chart_usage import RecordChartUsage
from nocturna_subscription.application.record_chart_usage_batch import RecordChartUsageBatchHandler

from services.subscription.tests.fakes import InMemorySubscriptionStore
from services.subscription.tests.unit.test_record_chart_usage import START, USER, _calculated, _meta, _store

STRANGER = UUID("0190a000-0000-7000-8000-0000000000ff")


def _command(event_id: int, user_id: UUID = USER, minutes: int = 0) -> RecordChartUsage:
    return RecordChartUsage(user_id, UUID(int=1000 + event_id), "natal", START + timedelta(minutes=minutes))


async def _batch(store: InMemorySubscriptionStore, *commands: tuple[int, RecordChartUsage]) -> set[UUID]:
    handler = RecordChartUsageBatchHandler(store, lambda: START)
    return await handler([(command, _meta(event_id)) for event_id, command in commands])


def _counted(store: InMemorySubscriptionStore) -> int:
    return sum(store.usage_counters.values())


async def test_a_batch_counts_each_event_once_even_when_repeated_inside_or_seen_before() -> None:
    store = _store()
    await _calculated(store, 1)

    deferred = await _batch(store, (1, _command(1)), (2, _command(2)), (2, _command(2)), (3, _command(3)))

    assert deferred == set()
    assert _counted(store) == 3
    assert set(store.usage_records) == {UUID(int=1), UUID(int=2), UUID(int=3)}
    assert store.messaging.claimed == {("subscription", UUID(int=i)) for i in (1, 2, 3)}


async def test_thresholds_crossed_inside_a_batch_fire_once_naming_the_delivery_that_crossed_them() -> None:
    store = _store(limit=10)

    await _batch(store, *((i, _command(i)) for i in range(1, 13)))
    await _batch(store, (13, _command(13)))

    events = [event for event in store.messaging.published if isinstance(event, QuotaThresholdReached)]
    assert [(e.threshold_percent, e.used, e.limit) for e in events] == [(80, 8, 10), (100, 10, 10)]
    causes = [cause.event_id for cause in store.messaging.causes if cause is not None]
    assert causes == [UUID(int=8), UUID(int=10)]
    assert _counted(store) == 13


async def test_events_of_users_without_a_subscription_are_deferred_untouched() -> None:
    store = _store()

    deferred = await _batch(store, (1, _command(1)), (2, _command(2, user_id=STRANGER)))

    assert deferred == {UUID(int=2)}
    assert _counted(store) == 1
    assert ("subscription", UUID(int=2)) not in store.messaging.claimed


async def test_a_batch_ends_in_the_same_state_as_one_by_one() -> None:
    one_by_one, batched = _store(limit=5), _store(limit=5)
    for event_id in range(1, 8):
        await _calculated(one_by_one, event_id)

    await _batch(batched, *((i, _command(i)) for i in range(1, 8)))

    assert batched.usage_counters == one_by_one.usage_counters
    assert batched.thresholds_sent == one_by_one.thresholds_sent
    assert [e.model_dump(exclude={"reached_at"}) for e in batched.messaging.published] == [
        e.model_dump(exclude={"reached_at"}) for e in one_by_one.messaging.published
    ]
