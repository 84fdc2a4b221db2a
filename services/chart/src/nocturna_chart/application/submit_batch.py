"""Use case: accept a batch of birth records as a background job (plan entitlement `batch`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_contracts.chart.v1 import BatchSubmitted
from nocturna_platform.ids import uuid7

from nocturna_chart.application.batch_ports import BatchUnitOfWork
from nocturna_chart.application.create_chart import ChartPolicy, period_of
from nocturna_chart.domain.batch import BatchItem, BatchJob, BatchNotInPlan, check_size
from nocturna_chart.domain.charts import Quota


@dataclass(frozen=True)
class SubmitBatch:
    owner_id: UUID
    items: list[BatchItem]
    idempotency_key: str | None = None


class SubmitBatchHandler:
    """Refuses without the `batch` entitlement or with this month's quota already used up; otherwise stores the
    records sealed and queues the job through the outbox (the worker starts once the transaction commits).
    """

    def __init__(
        self, uow: Callable[[], BatchUnitOfWork], clock: Callable[[], datetime], policy: ChartPolicy
    ) -> None:
        self._uow, self._clock, self._policy = uow, clock, policy

    async def __call__(self, command: SubmitBatch) -> tuple[BatchJob, bool]:
        """The job, and whether it was created now (False: an idempotent replay)."""
        check_size(len(command.items))
        now = self._clock()
        job = BatchJob.submitted(uuid7(), command.owner_id, len(command.items), now, command.idempotency_key)
        async with self._uow() as uow:
            projection = await uow.entitlements.get(command.owner_id)
            if projection is None or not projection.entitlements.batch:
                raise BatchNotInPlan
            if command.idempotency_key is not None:
                earlier = await uow.batches.by_idempotency_key(command.owner_id, command.idempotency_key)
                if earlier is not None:
                    return earlier, False
            counts = await uow.usage.counts(command.owner_id, period_of(now))
            Quota.of(projection, self._policy.unknown_plan_charts_per_month).check(
                created_this_month=counts.created_this_month, saved=counts.saved
            )
            if not await uow.batches.add(job, command.items):
                earlier = await uow.batches.by_idempotency_key(
                    command.owner_id, command.idempotency_key or ""
                )
                assert earlier is not None
                return earlier, False
            uow.publish(
                BatchSubmitted(batch_id=job.id, user_id=job.owner_id, total=job.total, submitted_at=now)
            )
            await uow.commit()
        return job, True
