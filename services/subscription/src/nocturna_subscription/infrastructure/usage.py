"""SQL usage repository: unique records, atomic counters and once-only thresholds."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from nocturna_platform.ids import uuid7
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nocturna_subscription.domain.subscriptions import BillingPeriod
from nocturna_subscription.domain.usage import ThresholdMark, UsageRecord
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

    async def record_many(self, records: Sequence[UsageRecord]) -> set[UUID]:
        if not records:
            return set()
        rows = [
            {
                "id": uuid7(),
                "event_id": record.event_id,
                "user_id": record.user_id,
                "calculation_id": record.calculation_id,
                "kind": record.kind,
                "period_start": record.period.start,
                "occurred_at": record.occurred_at,
            }
            for record in sorted(records, key=lambda record: record.event_id)
        ]
        statement = (
            insert(RECORDS).on_conflict_do_nothing(index_elements=["event_id"]).returning(RECORDS.c.event_id)
        )
        return set((await self._session.execute(statement, rows)).scalars())

    async def increment_many(
        self, increments: Mapping[tuple[UUID, BillingPeriod], int]
    ) -> dict[tuple[UUID, BillingPeriod], int]:
        """One upsert for all counters, in key order so concurrent batches lock rows in the same order.

        Parameter lists run as one cached statement expanded to multi-row VALUES ("insertmanyvalues")."""
        if not increments:
            return {}
        keys = sorted(increments, key=lambda key: (key[0], key[1].start))
        rows = [
            {
                "user_id": user_id,
                "period_start": period.start,
                "period_end": period.end,
                "charts": increments[(user_id, period)],
            }
            for user_id, period in keys
        ]
        new = insert(COUNTERS)
        statement = new.on_conflict_do_update(
            index_elements=["user_id", "period_start"],
            set_={"charts": COUNTERS.c.charts + new.excluded.charts},
        ).returning(COUNTERS.c.user_id, COUNTERS.c.period_start, COUNTERS.c.charts)
        periods = {(user_id, period.start): period for user_id, period in keys}
        result = await self._session.execute(statement, rows)
        return {(user_id, periods[(user_id, start)]): int(charts) for user_id, start, charts in result.all()}

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

    async def mark_thresholds_sent(self, marks: Sequence[ThresholdMark]) -> set[ThresholdMark]:
        if not marks:
            return set()
        ordered = sorted(set(marks), key=lambda m: (m.user_id, m.period.start, m.quota, m.percent))
        now = self._clock()
        rows = [
            {
                "user_id": mark.user_id,
                "period_start": mark.period.start,
                "quota": mark.quota,
                "threshold_percent": mark.percent,
                "sent_at": now,
            }
            for mark in ordered
        ]
        statement = (
            insert(THRESHOLDS)
            .on_conflict_do_nothing()
            .returning(
                THRESHOLDS.c.user_id,
                THRESHOLDS.c.period_start,
                THRESHOLDS.c.quota,
                THRESHOLDS.c.threshold_percent,
            )
        )
        sent = {tuple(row) for row in (await self._session.execute(statement, rows)).all()}
        return {m for m in ordered if (m.user_id, m.period.start, m.quota, m.percent) in sent}
