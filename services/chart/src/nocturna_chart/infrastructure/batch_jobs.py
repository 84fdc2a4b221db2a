"""SQL storage of batch jobs and their records, and the unit of work the batch use cases run in."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from nocturna_platform.sealing import AesGcmSealer
from sqlalchemy import ColumnElement, and_, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from nocturna_chart.domain.batch import BatchItem, BatchJob, BatchStatus, ItemOutcome
from nocturna_chart.infrastructure.repositories import SqlChartUnitOfWork
from nocturna_chart.infrastructure.sealed_batch_items import (
    from_row,
    outcome_of,
    problem_document,
    reseal_row,
    to_row,
)
from nocturna_chart.infrastructure.tables import BatchItemRow, BatchJobRow


def _job(row: BatchJobRow) -> BatchJob:
    return BatchJob(
        id=row.id,
        owner_id=row.owner_id,
        total=row.total,
        status=BatchStatus(row.status),
        succeeded=row.succeeded,
        failed=row.failed,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_progress_at=row.last_progress_at,
        completed_at=row.completed_at,
        idempotency_key=row.idempotency_key,
    )


def _pending(job_id: UUID) -> ColumnElement[bool]:
    return and_(
        col(BatchItemRow.job_id) == job_id,
        col(BatchItemRow.chart_id).is_(None),
        col(BatchItemRow.problem).is_(None),
    )


class SqlBatchRepository:
    def __init__(self, session: AsyncSession, sealer: AesGcmSealer) -> None:
        self._session, self._sealer = session, sealer

    async def add(self, job: BatchJob, items: list[BatchItem]) -> bool:
        jobs = BatchJobRow.__table__  # type: ignore[attr-defined]
        values = {
            "id": job.id,
            "owner_id": job.owner_id,
            "status": job.status.value,
            "total": job.total,
            "succeeded": job.succeeded,
            "failed": job.failed,
            "idempotency_key": job.idempotency_key,
            "created_at": job.created_at,
            "updated_at": job.updated_at,
        }
        statement = (
            insert(jobs)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["owner_id", "idempotency_key"])
            .returning(jobs.c.id)
        )
        if await self._session.scalar(statement) is None:
            return False
        rows = [to_row(job.id, item, self._sealer).model_dump() for item in items]
        await self._session.execute(insert(BatchItemRow.__table__), rows)  # type: ignore[attr-defined]
        return True

    async def get(self, job_id: UUID) -> BatchJob | None:
        row = await self._session.get(BatchJobRow, job_id)
        return _job(row) if row is not None else None

    async def lock(self, job_id: UUID) -> BatchJob | None:
        row = await self._session.get(BatchJobRow, job_id, with_for_update=True, populate_existing=True)
        return _job(row) if row is not None else None

    async def update(self, job: BatchJob) -> None:
        await self._session.execute(
            update(BatchJobRow)
            .where(col(BatchJobRow.id) == job.id)
            .values(
                status=job.status.value,
                succeeded=job.succeeded,
                failed=job.failed,
                updated_at=job.updated_at,
                last_progress_at=job.last_progress_at,
                completed_at=job.completed_at,
            )
        )

    async def by_idempotency_key(self, owner_id: UUID, key: str) -> BatchJob | None:
        query = select(BatchJobRow).where(
            col(BatchJobRow.owner_id) == owner_id, col(BatchJobRow.idempotency_key) == key
        )
        row = await self._session.scalar(query)
        return _job(row) if row is not None else None

    async def pending(self, job_id: UUID) -> list[BatchItem]:
        query = select(BatchItemRow).where(_pending(job_id)).order_by(col(BatchItemRow.item_index))
        return [from_row(row, self._sealer) for row in await self._session.scalars(query)]

    async def settle(self, job_id: UUID, outcomes: list[ItemOutcome]) -> list[ItemOutcome]:
        if not outcomes:
            return []
        query = select(col(BatchItemRow.item_index)).where(
            _pending(job_id), col(BatchItemRow.item_index).in_([outcome.index for outcome in outcomes])
        )
        still_pending = set(await self._session.scalars(query))
        applied = [outcome for outcome in outcomes if outcome.index in still_pending]
        if applied:
            items = BatchItemRow.__table__  # type: ignore[attr-defined]
            statement = (
                update(items)
                .where(items.c.job_id == bindparam("b_job"), items.c.item_index == bindparam("b_index"))
                .values(
                    chart_id=bindparam("b_chart"), problem=bindparam("b_problem"), key_id=None, sealed=None
                )
            )
            await self._session.execute(
                statement,
                [
                    {
                        "b_job": job_id,
                        "b_index": outcome.index,
                        "b_chart": outcome.chart_id,
                        "b_problem": problem_document(outcome.problem),
                    }
                    for outcome in applied
                ],
            )
        return applied

    async def outcomes(self, job_id: UUID) -> list[ItemOutcome]:
        settled = col(BatchItemRow.chart_id).is_not(None) | col(BatchItemRow.problem).is_not(None)
        query = (
            select(BatchItemRow)
            .where(col(BatchItemRow.job_id) == job_id, settled)
            .order_by(col(BatchItemRow.item_index))
        )
        return [outcome_of(row) for row in await self._session.scalars(query)]

    async def delete_all(self, owner_id: UUID) -> None:
        await self._session.execute(delete(BatchJobRow).where(col(BatchJobRow.owner_id) == owner_id))

    async def reseal(self, limit: int) -> int:
        query = (
            select(BatchItemRow)
            .where(
                col(BatchItemRow.key_id).is_not(None),
                col(BatchItemRow.key_id) != self._sealer.current_key_id,
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(await self._session.scalars(query))
        for row in rows:
            reseal_row(row, self._sealer)
        return len(rows)

    async def purge_completed(self, before: datetime, limit: int) -> int:
        oldest = (
            select(col(BatchJobRow.id))
            .where(
                col(BatchJobRow.status) == BatchStatus.COMPLETED.value, col(BatchJobRow.completed_at) < before
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        purged = await self._session.execute(
            delete(BatchJobRow).where(col(BatchJobRow.id).in_(oldest)).returning(col(BatchJobRow.id))
        )
        return len(purged.all())


class SqlBatchUnitOfWork(SqlChartUnitOfWork):
    batches: SqlBatchRepository

    def _on_begin(self) -> None:
        super()._on_begin()
        self.batches = SqlBatchRepository(self.session, self._sealer)
