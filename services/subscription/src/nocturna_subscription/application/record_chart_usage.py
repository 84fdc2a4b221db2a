"""Use case: a calculated chart counts once against its user's quota for the period it happened in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_contracts.subscription.v1 import QuotaThresholdReached
from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.usage import CHARTS_QUOTA, UsageRecord, thresholds_reached


class SubscriptionNotYetKnown(LookupError):
    """Usage for a user whose subscription has not arrived yet; the delivery is retried later."""


@dataclass(frozen=True)
class RecordChartUsage:
    user_id: UUID
    calculation_id: UUID
    kind: str
    calculated_at: datetime


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
            record = UsageRecord(
                event_id=meta.event_id,
                user_id=command.user_id,
                calculation_id=command.calculation_id,
                kind=command.kind,
                period=period,
                occurred_at=command.calculated_at,
            )
            if await uow.usage.record(record):
                used = await uow.usage.increment(command.user_id, period)
                limit = subscription.plan.entitlements.charts_per_month
                for percent in thresholds_reached(used, limit):
                    assert limit is not None
                    if await uow.usage.mark_threshold_sent(command.user_id, period, CHARTS_QUOTA, percent):
                        uow.publish(
                            QuotaThresholdReached(
                                user_id=command.user_id,
                                threshold_percent=percent,
                                used=used,
                                limit=limit,
                                period_start=period.start,
                                period_end=period.end,
                                reached_at=self._clock(),
                            ),
                            cause=meta,
                        )
            await uow.commit()
