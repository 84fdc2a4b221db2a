"""What the batch use cases need from storage: jobs with their sealed records and outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from nocturna_chart.application.ports import ChartUnitOfWork
from nocturna_chart.domain.batch import BatchItem, BatchJob, ItemOutcome


class BatchRepository(Protocol):
    async def add(self, job: BatchJob, items: list[BatchItem]) -> bool:
        """False, adding nothing, when the owner already has a job with this idempotency key."""
        ...

    async def get(self, job_id: UUID) -> BatchJob | None: ...

    async def lock(self, job_id: UUID) -> BatchJob | None:
        """The job, locked for the rest of the transaction (workers of one job record in turn)."""
        ...

    async def update(self, job: BatchJob) -> None: ...

    async def by_idempotency_key(self, owner_id: UUID, key: str) -> BatchJob | None: ...

    async def pending(self, job_id: UUID) -> list[BatchItem]:
        """The records without an outcome yet, in order."""
        ...

    async def settle(self, job_id: UUID, outcomes: list[ItemOutcome]) -> list[ItemOutcome]:
        """Store outcomes of records still pending (their sealed input is dropped); those actually stored."""
        ...

    async def outcomes(self, job_id: UUID) -> list[ItemOutcome]:
        """Settled records, in order."""
        ...

    async def delete_all(self, owner_id: UUID) -> None: ...

    async def reseal(self, limit: int) -> int:
        """Re-encrypt up to `limit` pending records sealed with an old key (rows locked, others skipped)."""
        ...

    async def purge_completed(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` jobs completed before `before`, with their records; how many went."""
        ...


class BatchUnitOfWork(ChartUnitOfWork, Protocol):
    @property
    def batches(self) -> BatchRepository: ...
