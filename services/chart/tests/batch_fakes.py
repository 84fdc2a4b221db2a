"""In-memory adapters for the batch use cases: the chart store plus jobs, records and outcomes."""

from __future__ import annotations

from uuid import UUID

from nocturna_chart.domain.batch import BatchItem, BatchJob, ItemOutcome

from services.chart.tests.fakes import InMemoryChartStore, InMemoryChartUnitOfWork

RecordKey = tuple[UUID, int]


class InMemoryBatchRepository:
    def __init__(
        self,
        jobs: dict[UUID, BatchJob],
        records: dict[RecordKey, BatchItem],
        outcomes: dict[RecordKey, ItemOutcome],
    ) -> None:
        self._jobs, self._records, self._outcomes = jobs, records, outcomes

    async def add(self, job: BatchJob, items: list[BatchItem]) -> bool:
        if job.idempotency_key is not None and await self.by_idempotency_key(
            job.owner_id, job.idempotency_key
        ):
            return False
        self._jobs[job.id] = job
        self._records.update({(job.id, item.index): item for item in items})
        return True

    async def get(self, job_id: UUID) -> BatchJob | None:
        return self._jobs.get(job_id)

    async def lock(self, job_id: UUID) -> BatchJob | None:
        return self._jobs.get(job_id)

    async def update(self, job: BatchJob) -> None:
        self._jobs[job.id] = job

    async def by_idempotency_key(self, owner_id: UUID, key: str) -> BatchJob | None:
        return next(
            (job for job in self._jobs.values() if job.owner_id == owner_id and job.idempotency_key == key),
            None,
        )

    async def pending(self, job_id: UUID) -> list[BatchItem]:
        return sorted(
            (item for (job, _), item in self._records.items() if job == job_id), key=lambda item: item.index
        )

    async def settle(self, job_id: UUID, outcomes: list[ItemOutcome]) -> list[ItemOutcome]:
        applied = [outcome for outcome in outcomes if (job_id, outcome.index) in self._records]
        for outcome in applied:
            del self._records[(job_id, outcome.index)]  # the sealed input is dropped once settled
            self._outcomes[(job_id, outcome.index)] = outcome
        return applied

    async def outcomes(self, job_id: UUID) -> list[ItemOutcome]:
        return sorted(
            (outcome for (job, _), outcome in self._outcomes.items() if job == job_id), key=lambda o: o.index
        )

    async def delete_all(self, owner_id: UUID) -> None:
        for job_id in [job.id for job in self._jobs.values() if job.owner_id == owner_id]:
            del self._jobs[job_id]
            for store in (self._records, self._outcomes):
                for key in [key for key in store if key[0] == job_id]:
                    del store[key]


class InMemoryBatchStore(InMemoryChartStore):
    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[UUID, BatchJob] = {}
        self.records: dict[RecordKey, BatchItem] = {}
        self.outcomes: dict[RecordKey, ItemOutcome] = {}

    def __call__(self) -> InMemoryBatchUnitOfWork:
        return InMemoryBatchUnitOfWork(self)


class InMemoryBatchUnitOfWork(InMemoryChartUnitOfWork):
    def __init__(self, store: InMemoryBatchStore) -> None:
        super().__init__(store)
        self._batch_store = store

    def _begin(self) -> None:
        super()._begin()
        store = self._batch_store
        self._jobs, self._records, self._outcomes = (
            dict(store.jobs),
            dict(store.records),
            dict(store.outcomes),
        )
        self.batches = InMemoryBatchRepository(self._jobs, self._records, self._outcomes)

    def _apply(self) -> None:
        super()._apply()
        store = self._batch_store
        store.jobs, store.records, store.outcomes = self._jobs, self._records, self._outcomes
