"""Use case: a worker casts the pending records of a batch job into saved charts and reports progress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_contracts.chart.v1 import BatchCompleted, BatchProgressed
from nocturna_platform.messaging.meta import EventMeta

from nocturna_chart.application.batch_ports import BatchUnitOfWork
from nocturna_chart.application.batch_problems import RECORD_ERRORS, item_problem
from nocturna_chart.application.create_chart import CreateChart
from nocturna_chart.application.saved_charts import SavedChart
from nocturna_chart.domain.batch import BatchItem, BatchJob, ItemOutcome


@dataclass(frozen=True)
class BatchPacing:
    """Outcomes are recorded once per `chunk` of work; progress is announced at least once per `interval`."""

    interval: timedelta = timedelta(seconds=1)
    chunk: timedelta = timedelta(milliseconds=250)


CreateChartCall = Callable[[CreateChart], Awaitable[tuple[SavedChart, bool]]]
"""Single chart creation (`CreateChartHandler`): the one path every chart takes."""


def record_key(job_id: UUID, index: int) -> str:
    """The idempotency key of a record's chart: a resumed job gets the chart cast before the crash back."""
    return f"batch:{job_id}:{index}"


class RunBatchHandler:
    """Creates each pending record's chart exactly as `POST /charts` does (quota, usage, calculated event).

    A crash or redelivery resumes from the records without an outcome; a record cast but not yet recorded
    gets its first chart back through its idempotency key, so nothing is created, billed or announced twice.
    """

    def __init__(
        self,
        uow: Callable[[], BatchUnitOfWork],
        create_chart: CreateChartCall,
        clock: Callable[[], datetime],
        pacing: BatchPacing,
    ) -> None:
        self._uow, self._create_chart, self._clock, self._pacing = uow, create_chart, clock, pacing

    async def __call__(self, batch_id: UUID, meta: EventMeta) -> None:
        async with self._uow() as uow:
            job = await uow.batches.lock(batch_id)
            if job is None or job.finished:  # erased, or done: a redelivery has no effect
                return
            job = job.started(self._clock())
            await uow.batches.update(job)
            items = await uow.batches.pending(batch_id)
            await uow.commit()
        outcomes: list[ItemOutcome] = []
        chunk_started = self._clock()
        for item in items:
            outcomes.append(await self._cast(job, item))
            if self._clock() - chunk_started >= self._pacing.chunk:
                if not await self._record(batch_id, outcomes, meta):
                    return  # erased with its owner meanwhile, or finished by another delivery
                outcomes, chunk_started = [], self._clock()
        await self._record(batch_id, outcomes, meta)

    async def _cast(self, job: BatchJob, item: BatchItem) -> ItemOutcome:
        command = CreateChart(
            owner_id=job.owner_id,
            name=item.name,
            notes=item.notes,
            birth=item.birth,
            house_system=item.house_system,
            options=item.options,
            idempotency_key=record_key(job.id, item.index),
            batch_id=job.id,
        )
        try:
            saved, _ = await self._create_chart(command)
        except RECORD_ERRORS as error:
            return ItemOutcome(item.index, problem=item_problem(error))
        return ItemOutcome(item.index, chart_id=saved.chart.id)

    async def _record(self, batch_id: UUID, outcomes: list[ItemOutcome], meta: EventMeta) -> bool:
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
            elif job.progress_due(now, self._pacing.interval, self._pacing.chunk):
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
