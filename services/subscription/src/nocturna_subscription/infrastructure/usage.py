"""SQL usage repository: unique records, atomic counters and once-only thresholds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_platform.ids import uuid7
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nocturna_subscription.domain.subscriptions import BillingPeriod
from nocturna_subscription.domain.usage import UsageRecord
from nocturna_subscription.infrastructure.tables import QuotaThresholdRow, UsageCounterRow, UsageRecordRow

RECORDS = UsageRecordRow.__table__  # type: ignore[attr-defined]
COUNTERS = UsageCounterRow.__table__  # type: ignore[attr-defined]
THRESHOLDS = QuotaThresholdRow.__table__  # type: ignore[attr-defined]


class SqlUsageRepository:
    def __init__(self, session: AsyncSession, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._clock = clock

    async def record(self, record: UsageRecord) -> bool:
        statement = (
            insert(RECORDS)
            .values(
                id=uuid7(),
                event_id=record.event_id,
                user_id=record.user_id,
                calculation_id=record.calculation_id,
                kind=record.kind,
                period_start=record.period.start,
                occurred_at=record.occurred_at,
            )
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(RECORDS.c.id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def increment(self, user_id: UUID, period: BillingPeriod) -> int:
        new = insert(COUNTERS).values(
            user_id=user_id, period_start=period.start, period_end=period.end, charts=1
        )
        statement = new.on_conflict_do_update(
            index_elements=["user_id", "period_start"], set_={"charts": COUNTERS.c.charts + 1}
        ).returning(COUNTERS.c.charts)
        return int((await self._session.execute(statement)).scalar_one())

    async def count(self, user_id: UUID, period: BillingPeriod) -> int:
        statement = select(COUNTERS.c.charts).where(
            COUNTERS.c.user_id == user_id, COUNTERS.c.period_start == period.start
        )
        return int((await self._session.execute(statement)).scalar_one_or_none() or 0)

    async def mark_threshold_sent(
        self, user_id: UUID, period: BillingPeriod, quota: str, percent: int
    ) -> bool:
        statement = (
            insert(THRESHOLDS)
            .values(
                user_id=user_id,
                period_start=period.start,
                quota=quota,
                threshold_percent=percent,
                sent_at=self._clock(),
            )
            .on_conflict_do_nothing()
            .returning(THRESHOLDS.c.user_id)
        )
        return (await self._session.execute(statement)).first() is not None
