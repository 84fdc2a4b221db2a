"""Use case: a batch job's status, counts and per-record outcomes, for its owner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from nocturna_platform.security.principal import Principal

from nocturna_chart.application.batch_ports import BatchUnitOfWork
from nocturna_chart.domain.batch import BatchJob, ItemOutcome


@dataclass(frozen=True)
class BatchReport:
    job: BatchJob
    outcomes: list[ItemOutcome]


class BatchNotFound(Exception):
    """Missing, or another user's job (indistinguishable to the caller)."""


class GetBatchHandler:
    def __init__(self, uow: Callable[[], BatchUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, batch_id: UUID) -> BatchReport:
        async with self._uow() as uow:
            job = await uow.batches.get(batch_id)
            if job is None or not principal.can_access(job.owner_id, "charts:read"):
                raise BatchNotFound
            return BatchReport(job, await uow.batches.outcomes(batch_id))
