"""Use case: a worker casts the pending records of a batch job into saved charts and reports progress."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_contracts.chart.v1 import BatchCompleted, BatchProgressed
from nocturna_platform.messaging.meta import EventMeta

from nocturna_chart.application.batch_ports import BatchUnitOfWork
from nocturna_chart.application.batch_problems import item_problem
from nocturna_chart.application.create_chart import CreateChart, Created
from nocturna_chart.domain.batch import BatchItem, BatchJob, ItemOutcome


@dataclass(frozen=True)
class BatchPacing:
    """Records are created in chunks (one transaction, then one more recording their outcomes) sized to take
    about a quarter of the progress interval, so progress can be announced at least once per interval.
    """

    interval: timedelta = timedelta(seconds=1)
    first_chunk: int = 10
    max_chunk: int = 100
    concurrent_jobs: int = 2
    """Jobs one process runs at once; more wait for a slot (their messages stay unacknowledged)."""

    def next_chunk(self, size: int, took: timedelta) -> int:
        if took <= timedelta(0):
            return min(self.max_chunk, size * 2)
        return max(1, min(self.max_chunk, size * 2, int(size * (self.interval / 4) / took)))


CreateCharts = Callable[[Sequence[CreateChart]], Awaitable[list[Created | Exception]]]
"""`CreateChartHandler.create_many`: single chart creation, for several records in one transaction."""


def record_key(job_id: UUID, index: int) -> str:
    """The idempotency key of a record's chart: a resumed job gets the chart cast before the crash back."""
    return f"batch:{job_id}:{index}"


class RunBatchHandler:
    """Creates each pending record's chart as `POST /charts` does (quota, usage, calculated event), by chunks.

    A crash or redelivery resumes from the records without an outcome; a record cast but not yet recorded
    gets its first chart back through its idempotency key, so nothing is created, billed or announced twice.
    """

    def __init__(
        self,
        uow: Callable[[], BatchUnitOfWork],
        create_charts: CreateCharts,
        clock: Callable[[], datetime],
        pacing: BatchPacing,
    ) -> None:
        self._uow, self._create_charts, self._clock, self._pacing = uow, create_charts, clock, pacing
        self._slots = asyncio.Semaphore(pacing.concurrent_jobs)

    async def __call__(self, batch_id: UUID, meta: EventMeta) -> None:
        async with self._slots:
            await self._run(batch_id, meta)

    async def _run(self, batch_id: UUID, meta: EventMeta) -> None:
        async with self._uow() as uow:
            job = await uow.batches.lock(batch_id)
            if job is None or job.finished:  # erased, or done: a redelivery has no effect
                return
            job = job.started(self._clock())
            await uow.batches.update(job)
            items = await uow.batches.pending(batch_id)
            await uow.commit()
        position, size = 0, self._pacing.first_chunk
        while True:
            chunk = items[position : position + size]
            started = self._clock()
            outcomes = await self._create(job, chunk)
            took = self._clock() - started
            if not await self._record(batch_id, outcomes, meta, took):
                return  # completed, or erased with its owner meanwhile
            if not chunk:
                return  # nothing left here: records still open are another delivery's, which completes the job
            position += len(chunk)
            size = self._pacing.next_chunk(size, took)

    async def _create(self, job: BatchJob, chunk: list[BatchItem]) -> list[ItemOutcome]:
        if not chunk:
            return []
        commands = [
            CreateChart(
                owner_id=job.owner_id,
                name=item.name,
                notes=item.notes,
                birth=item.birth,
                house_system=item.house_system,
                options=item.options,
                idempotency_key=record_key(job.id, item.index),
                batch_id=job.id,
            )
            for item in chunk
        ]
        created = await self._create_charts(commands)
        return [
            ItemOutcome(item.index, problem=item_problem(answer))
            if isinstance(answer, Exception)
            else ItemOutcome(item.index, chart_id=answer[0].chart.id)
            for item, answer in zip(chunk, created, strict=True)
        ]

    async def _record(
        self, batch_id: UUID, outcomes: list[ItemOutcome], meta: EventMeta, took: timedelta
    ) -> bool:
        """Store a chunk's outcomes (and announce); False when the job is no longer open."""
        now = self._clock()
        async with self._uow() as uow:
            job = await uow.batches.lock(batch_id)
            if job is None or job.finished:
                return False
            job = job.recorded(await uow.batches.settle(batch_id, outcomes), now)
            if job.finished:
                await uow.claim(meta)
                uow.publish(
                    BatchCompleted(
                        batch_id=job.id,
                        user_id=job.owner_id,
                        total=job.total,
                        succeeded=job.succeeded,
                        failed=job.failed,
                        completed_at=now,
                    ),
                    cause=meta,
                )
            elif job.progress_due(now, self._pacing.interval, took):
                job = job.announced(now)
                uow.publish(
                    BatchProgressed(
                        batch_id=job.id,
                        user_id=job.owner_id,
                        total=job.total,
                        processed=job.processed,
                        succeeded=job.succeeded,
                        failed=job.failed,
                        progressed_at=now,
                    ),
                    cause=meta,
                )
            await uow.batches.update(job)
            await uow.commit()
        return not job.finished
