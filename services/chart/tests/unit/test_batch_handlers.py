from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import pytest
from nocturna_chart.application.create_chart import ChartPolicy, CreateChart, CreateChartHandler
from nocturna_chart.application.erase_user_batches import EraseUserBatchesHandler
from nocturna_chart.application.ports import PlacesUnavailable
from nocturna_chart.application.read_batch import BatchNotFound, GetBatchHandler
from nocturna_chart.application.run_batch import BatchPacing, RunBatchHandler
from nocturna_chart.application.saved_charts import SavedChart
from nocturna_chart.application.submit_batch import SubmitBatch, SubmitBatchHandler
from nocturna_chart.domain.batch import BatchItem, BatchNotInPlan, BatchStatus
from nocturna_chart.domain.birth import BirthData, Place, PlacedBirth
from nocturna_chart.domain.charts import ChartOptions, QuotaExceeded
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine
from nocturna_contracts.chart.v1 import BatchCompleted, BatchProgressed, BatchSubmitted, ChartCalculated
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.security.principal import Principal

from services.chart.tests.batch_fakes import InMemoryBatchStore
from services.chart.tests.fakes import FixedClock, InMemoryPlaceDirectory

ADA = UUID("0190a000-0000-7000-8000-000000000001")
BOB = UUID("0190a000-0000-7000-8000-000000000002")
ENGINE = SwissEphemerisEngine()
POLICY = ChartPolicy(HouseSystem.PORPHYRY, unknown_plan_charts_per_month=3)
PARIS = Place(2988507, "Paris", 48.85341, 2.3488, "Europe/Paris")
META = EventMeta(
    "chart", UUID(int=77), "chart.batch.submitted.v1", datetime(2026, 1, 1, tzinfo=UTC), "chart", None, None
)


class TickingClock:
    """Each reading is `step` later than the one before: work takes time."""

    def __init__(self, step: timedelta) -> None:
        self.now, self.step = datetime(2026, 11, 25, 12, 0, tzinfo=UTC), step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


class FlakyPlaceDirectory(InMemoryPlaceDirectory):
    """Answers `answers` lookups, then becomes unavailable (a worker's dependency dies mid-job)."""

    def __init__(self, answers: int) -> None:
        super().__init__(PARIS)
        self.answers = answers

    async def place(self, place_id: int) -> Place | None:
        self.answers -= 1
        if self.answers < 0:
            raise PlacesUnavailable
        return await super().place(place_id)


def _item(index: int, birth: BirthData | PlacedBirth | None = None) -> BatchItem:
    birth = birth or BirthData(
        date(1990, 1, 1 + index % 28), time(12, index % 60), 40.7, -74.0, "America/New_York"
    )
    return BatchItem(index, f"record {index}", None, birth, HouseSystem.PLACIDUS, ChartOptions())


def _plan(store: InMemoryBatchStore, user: UUID, *, batch: bool = True, per_month: int | None = None) -> None:
    entitlements = Entitlements("pro", per_month, None, synastry=True, transits=True, batch=batch)
    store.entitlements[user] = EntitlementProjection(user, entitlements, 1, datetime(2026, 1, 1, tzinfo=UTC))


def _principal(user: UUID) -> Principal:
    return Principal(
        user, None, frozenset({"user"}), frozenset(), "t", datetime(2026, 11, 25, 13, tzinfo=UTC)
    )


async def _submit(store: InMemoryBatchStore, items: list[BatchItem], clock: object = None) -> UUID:
    job, created = await SubmitBatchHandler(store, clock or FixedClock(), POLICY)(SubmitBatch(ADA, items))
    assert created
    return job.id


def _runner(
    store: InMemoryBatchStore, clock: object = None, places: InMemoryPlaceDirectory | None = None
) -> RunBatchHandler:
    clock = clock or FixedClock()
    create = CreateChartHandler(store, ENGINE, clock, POLICY, places or InMemoryPlaceDirectory(PARIS))
    return RunBatchHandler(store, create, clock, BatchPacing())


def _published(store: InMemoryBatchStore, kind: type) -> list:
    return [event for event in store.messaging.published if isinstance(event, kind)]


async def test_submitting_needs_the_batch_entitlement() -> None:
    store = InMemoryBatchStore()
    with pytest.raises(BatchNotInPlan):  # plan unknown yet
        await _submit(store, [_item(0)])
    _plan(store, ADA, batch=False)
    with pytest.raises(BatchNotInPlan):
        await _submit(store, [_item(0)])
    assert store.jobs == {}
    assert store.messaging.published == []


async def test_submitting_stores_the_records_and_queues_the_job_once_per_idempotency_key() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    handler = SubmitBatchHandler(store, FixedClock(), POLICY)

    job, created = await handler(SubmitBatch(ADA, [_item(0), _item(1)], "k1"))
    again, created_again = await handler(SubmitBatch(ADA, [_item(0)], "k1"))

    assert (created, created_again, again.id) == (True, False, job.id)
    assert (job.status, job.total) == (BatchStatus.QUEUED, 2)
    assert len(store.records) == 2
    [queued] = store.messaging.published
    assert isinstance(queued, BatchSubmitted)
    assert (queued.batch_id, queued.user_id, queued.total) == (job.id, ADA, 2)


async def test_submitting_with_the_monthly_quota_used_up_is_refused() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA, per_month=2)
    store.usage[(ADA, "2026-11")] = 2

    with pytest.raises(QuotaExceeded):
        await _submit(store, [_item(0)])


async def test_a_job_creates_every_chart_through_single_creation_and_completes() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    job_id = await _submit(store, [_item(i) for i in range(5)])

    await _runner(store)(job_id, META)

    job = store.jobs[job_id]
    assert (job.status, job.succeeded, job.failed) == (BatchStatus.COMPLETED, 5, 0)
    calculated = _published(store, ChartCalculated)
    assert len(calculated) == len(store.charts) == 5
    assert {event.batch_id for event in calculated} == {job_id}
    assert store.usage[(ADA, "2026-11")] == 5
    [completed] = _published(store, BatchCompleted)
    assert (completed.batch_id, completed.total, completed.succeeded, completed.failed) == (job_id, 5, 5, 0)
    assert store.records == {}  # sealed inputs are dropped once settled
    assert [outcome.chart_id for outcome in store.outcomes.values()] == [c.id for c in store.charts.values()]


async def test_a_record_that_cannot_be_cast_fails_alone_with_a_problem() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    fold = _item(1, BirthData(date(2021, 11, 7), time(1, 30), 40.7, -74.0, "America/New_York"))
    job_id = await _submit(store, [_item(0), fold, _item(2, PlacedBirth(date(1990, 1, 1), None, 999))])

    await _runner(store)(job_id, META)

    outcomes = {outcome.index: outcome for outcome in store.outcomes.values()}
    assert outcomes[0].chart_id is not None
    assert outcomes[1].problem is not None
    assert outcomes[1].problem.code == "ambiguous_local_time"
    assert outcomes[2].problem is not None
    assert outcomes[2].problem.code == "unknown_place"
    assert (store.jobs[job_id].succeeded, store.jobs[job_id].failed) == (1, 2)


async def test_records_beyond_the_monthly_quota_fail_with_quota_exceeded() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA, per_month=3)
    job_id = await _submit(store, [_item(i) for i in range(5)])

    await _runner(store)(job_id, META)

    problems = [
        o.problem.code if o.problem else None for o in sorted(store.outcomes.values(), key=lambda o: o.index)
    ]
    assert problems == [None, None, None, "quota_exceeded", "quota_exceeded"]
    assert len(store.charts) == 3
    assert store.jobs[job_id].status is BatchStatus.COMPLETED


@pytest.mark.parametrize("step_ms", [0, 40], ids=["nothing recorded", "some recorded"])
async def test_a_crash_mid_job_resumes_without_duplicate_charts_usage_or_events(step_ms: int) -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    items = [_item(i, PlacedBirth(date(1990, 1, 1 + i), time(8, 0), PARIS.id)) for i in range(10)]
    job_id = await _submit(store, items)
    clock = TickingClock(timedelta(milliseconds=step_ms))

    with pytest.raises(PlacesUnavailable):  # dies after 6 charts were committed, some of them not recorded
        await _runner(store, clock, places=FlakyPlaceDirectory(answers=6))(job_id, META)
    recorded = store.jobs[job_id].processed
    assert len(store.charts) == 6
    assert recorded == 0 if step_ms == 0 else 0 < recorded < 6
    assert len(store.records) == 10 - recorded  # resumption skips the recorded ones

    await _runner(store)(job_id, META)  # the redelivered job message

    assert len(store.charts) == 10
    assert len(_published(store, ChartCalculated)) == 10
    assert store.usage[(ADA, "2026-11")] == 10
    job = store.jobs[job_id]
    assert (job.status, job.succeeded) == (BatchStatus.COMPLETED, 10)
    assert {o.chart_id for o in store.outcomes.values()} == set(store.charts)

    await _runner(store)(job_id, META)  # a duplicate after completion has no effect
    assert len(_published(store, BatchCompleted)) == 1
    assert len(store.charts) == 10


async def test_progress_is_announced_at_least_once_a_second_and_no_more_often_than_needed() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    clock = TickingClock(timedelta(milliseconds=20))
    job_id = await _submit(store, [_item(i) for i in range(200)], clock)
    started = clock.now

    await _runner(store, clock)(job_id, META)

    progressed = _published(store, BatchProgressed)
    [completed] = _published(store, BatchCompleted)
    moments = [started, *(event.progressed_at for event in progressed), completed.completed_at]
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert len(progressed) >= 3
    assert max(gaps) <= timedelta(seconds=1)
    assert min(gaps[:-1]) >= timedelta(milliseconds=750)  # announcements between, not at every chunk
    processed = [event.processed for event in progressed]
    assert processed == sorted(processed)
    assert processed[-1] < 200


async def test_a_job_is_readable_by_its_owner_only() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    job_id = await _submit(store, [_item(0), _item(1)])
    await _runner(store)(job_id, META)

    report = await GetBatchHandler(store)(_principal(ADA), job_id)

    assert [outcome.index for outcome in report.outcomes] == [0, 1]
    with pytest.raises(BatchNotFound):
        await GetBatchHandler(store)(_principal(BOB), job_id)


async def test_erasing_the_owner_removes_the_jobs_and_stops_a_running_one_at_its_next_chunk() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    job_id = await _submit(store, [_item(i) for i in range(20)])
    clock = TickingClock(timedelta(milliseconds=100))
    create = CreateChartHandler(store, ENGINE, clock, POLICY, InMemoryPlaceDirectory())
    cast = 0

    async def erased_after_three(command: CreateChart) -> tuple[SavedChart, bool]:
        nonlocal cast
        cast += 1
        if cast == 3:
            await EraseUserBatchesHandler(store)(ADA)
        return await create(command)

    await RunBatchHandler(store, erased_after_three, clock, BatchPacing())(job_id, META)

    assert (store.jobs, store.records, store.outcomes) == ({}, {}, {})
    assert cast < 6
    assert _published(store, BatchCompleted) == []
