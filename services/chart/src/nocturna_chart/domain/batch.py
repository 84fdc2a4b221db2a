"""Batch jobs: many birth records cast into saved charts in the background, with their progress and outcomes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from nocturna_chart.domain.birth import BirthData, PlacedBirth
from nocturna_chart.domain.charts import ChartOptions
from nocturna_chart.domain.engine import HouseSystem

MAX_ITEMS = 1000


class BatchStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"


class BatchTooLarge(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count
        self.limit = MAX_ITEMS


class EmptyBatch(Exception):
    pass


class BatchNotInPlan(Exception):
    """The plan has no `batch` entitlement (an unknown plan has none)."""

    entitlement = "batch"


@dataclass(frozen=True)
class BatchItem:
    """One birth record of a job, as a single chart creation would receive it."""

    index: int
    name: str
    notes: str | None
    birth: BirthData | PlacedBirth
    house_system: HouseSystem
    options: ChartOptions


@dataclass(frozen=True)
class ItemProblem:
    """Why a record gave no chart, in problem terms (never echoing birth data: it is stored in clear)."""

    code: str
    title: str
    detail: str
    field: str | None = None


@dataclass(frozen=True)
class ItemOutcome:
    index: int
    chart_id: UUID | None = None
    problem: ItemProblem | None = None

    @property
    def succeeded(self) -> bool:
        return self.chart_id is not None


def check_size(count: int) -> None:
    if count == 0:
        raise EmptyBatch
    if count > MAX_ITEMS:
        raise BatchTooLarge(count)


@dataclass(frozen=True)
class BatchJob:
    """queued → running → completed; counts only grow and `succeeded + failed` never exceeds `total`.

    Progress is due when waiting for the next chunk could leave the last announcement more than
    `interval` old, so a running job is announced at least once per interval and not more often.
    """

    id: UUID
    owner_id: UUID
    total: int
    status: BatchStatus
    succeeded: int
    failed: int
    created_at: datetime
    updated_at: datetime
    last_progress_at: datetime | None = None
    completed_at: datetime | None = None
    idempotency_key: str | None = None

    @classmethod
    def submitted(
        cls, job_id: UUID, owner_id: UUID, total: int, at: datetime, idempotency_key: str | None = None
    ) -> BatchJob:
        check_size(total)
        return cls(job_id, owner_id, total, BatchStatus.QUEUED, 0, 0, at, at, idempotency_key=idempotency_key)

    @property
    def processed(self) -> int:
        return self.succeeded + self.failed

    @property
    def finished(self) -> bool:
        return self.status is BatchStatus.COMPLETED

    def started(self, at: datetime) -> BatchJob:
        """Running from `at`; a resumed job keeps running and counts its progress clock from the resumption."""
        if self.finished:
            return self
        return replace(self, status=BatchStatus.RUNNING, updated_at=at, last_progress_at=at)

    def recorded(self, outcomes: list[ItemOutcome], at: datetime) -> BatchJob:
        """Count newly settled records; completes the job once every record is settled."""
        if self.status is not BatchStatus.RUNNING:
            raise ValueError(f"cannot record outcomes of a {self.status} job")
        succeeded = self.succeeded + sum(1 for outcome in outcomes if outcome.succeeded)
        failed = self.failed + sum(1 for outcome in outcomes if not outcome.succeeded)
        if succeeded + failed > self.total:
            raise ValueError("more outcomes than records")
        done = succeeded + failed == self.total
        return replace(
            self,
            succeeded=succeeded,
            failed=failed,
            updated_at=at,
            status=BatchStatus.COMPLETED if done else self.status,
            completed_at=at if done else None,
        )

    def progress_due(self, at: datetime, interval: timedelta, chunk: timedelta) -> bool:
        if self.status is not BatchStatus.RUNNING:
            return False
        last = self.last_progress_at or self.created_at
        return at + chunk - last >= interval

    def announced(self, at: datetime) -> BatchJob:
        return replace(self, last_progress_at=at)
