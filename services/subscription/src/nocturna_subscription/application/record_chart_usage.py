"""Use case: a calculated chart counts once against its user's quota for the period it happened in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.application.events import threshold_reached
from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.subscriptions import BillingPeriod
from nocturna_subscription.domain.usage import CHARTS_QUOTA, ThresholdMark, UsageRecord, thresholds_reached


class SubscriptionNotYetKnown(LookupError):
    """Usage for a user whose subscription has not arrived yet; the delivery is retried later."""


@dataclass(frozen=True)
class RecordChartUsage:
    user_id: UUID
    calculation_id: UUID
    kind: str
    calculated_at: datetime

    def record(self, meta: EventMeta, period: BillingPeriod) -> UsageRecord:
        return UsageRecord(
            event_id=meta.event_id,
            user_id=self.user_id,
            calculation_id=self.calculation_id,
            kind=self.kind,
            period=period,
            occurred_at=self.calculated_at,
        )


class RecordChartUsageHandler:
    """Idempotent twice over: the inbox drops redeliveries and the usage record is unique per event id.

    The counter is incremented with an atomic upsert, so competing consumers never lose a count, and each
    threshold is announced at most once per period (a unique row per user, period, quota and threshold).
    """

    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: RecordChartUsage, meta: EventMeta) -> None:
        async with self._uow() as uow:
            if not await uow.claim(meta):
                return
            subscription = await uow.subscriptions.for_user(command.user_id)
            if subscription is None:
                raise SubscriptionNotYetKnown(str(command.user_id))
            period = subscription.period_containing(command.calculated_at)
            if await uow.usage.record(command.record(meta, period)):
                used = await uow.usage.increment(command.user_id, period)
                limit = subscription.plan.entitlements.charts_per_month
                for percent in thresholds_reached(used, limit):
                    assert limit is not None
                    if await uow.usage.mark_threshold_sent(command.user_id, period, CHARTS_QUOTA, percent):
                        mark = ThresholdMark(command.user_id, period, CHARTS_QUOTA, percent)
                        event = threshold_reached(mark, used=used, limit=limit, reached_at=self._clock())
                        uow.publish(event, cause=meta)
            await uow.commit()
