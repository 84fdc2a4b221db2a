"""Use case, batched: many calculated charts counted in one transaction, with the same outcome as one by one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.application.events import threshold_reached
from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.application.record_chart_usage import RecordChartUsage
from nocturna_subscription.domain.subscriptions import BillingPeriod, Subscription
from nocturna_subscription.domain.usage import (
    CHARTS_QUOTA,
    ThresholdMark,
    UsageRecord,
    threshold_count,
    thresholds_reached,
)

CounterKey = tuple[UUID, BillingPeriod]


class RecordChartUsageBatchHandler:
    """Claims the batch in the inbox, stores one record per new event id, adds to each user's period counter
    in one upsert and announces the thresholds crossed — all in one commit. Events of users without a
    subscription yet are left out and returned (the caller handles them one by one, which retries them).

    A threshold event names the delivery that crossed it and the count at that delivery, as `RecordChartUsage`
    one by one would.
    """

    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, batch: Sequence[tuple[RecordChartUsage, EventMeta]]) -> set[UUID]:
        async with self._uow() as uow:
            subscriptions = await uow.subscriptions.for_users({command.user_id for command, _ in batch})
            deferred = {meta.event_id for command, meta in batch if command.user_id not in subscriptions}
            ready = [(command, meta) for command, meta in batch if meta.event_id not in deferred]
            claimed = await uow.claim_many([meta for _, meta in ready])
            records: dict[UUID, tuple[UsageRecord, EventMeta]] = {}
            for command, meta in ready:
                if meta.event_id in claimed and meta.event_id not in records:
                    period = subscriptions[command.user_id].period_containing(command.calculated_at)
                    records[meta.event_id] = (command.record(meta, period), meta)
            recorded = await uow.usage.record_many([record for record, _ in records.values()])
            new = [(record, meta) for record, meta in records.values() if record.event_id in recorded]
            counts = await uow.usage.increment_many(
                Counter((record.user_id, record.period) for record, _ in new)
            )
            await self._announce_thresholds(uow, subscriptions, new, counts)
            await uow.commit()
        return deferred

    async def _announce_thresholds(
        self,
        uow: SubscriptionUnitOfWork,
        subscriptions: dict[UUID, Subscription],
        new: list[tuple[UsageRecord, EventMeta]],
        counts: dict[CounterKey, int],
    ) -> None:
        marks = [
            ThresholdMark(user_id, period, CHARTS_QUOTA, percent)
            for (user_id, period), used in counts.items()
            for percent in thresholds_reached(used, subscriptions[user_id].plan.entitlements.charts_per_month)
        ]
        if not marks:
            return
        sent = await uow.usage.mark_thresholds_sent(marks)
        metas_by_key: dict[CounterKey, list[EventMeta]] = {}
        for record, meta in new:
            metas_by_key.setdefault((record.user_id, record.period), []).append(meta)
        for mark in sorted(sent, key=lambda m: (m.user_id, m.period.start, m.percent)):
            key = (mark.user_id, mark.period)
            limit = subscriptions[mark.user_id].plan.entitlements.charts_per_month
            assert limit is not None
            used, metas = counts[key], metas_by_key[key]
            before = used - len(metas)
            crossing = threshold_count(limit, mark.percent)
            if before < crossing:  # the delivery that made the count reach the threshold
                used, cause = crossing, metas[crossing - before - 1]
            else:
                cause = metas[-1]
            uow.publish(
                threshold_reached(mark, used=used, limit=limit, reached_at=self._clock()), cause=cause
            )
