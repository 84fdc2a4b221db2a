from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import pytest
from nocturna_chart.application.batch_problems import item_problem
from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.create_chart import ChartPolicy, CreateChart, CreateChartHandler, Created
from nocturna_chart.application.erase_user_batches import EraseUserBatchesHandler
from nocturna_chart.application.ports import PlacesUnavailable
from nocturna_chart.application.read_batch import BatchNotFound, GetBatchHandler
from nocturna_chart.application.run_batch import BatchPacing, RunBatchHandler
from nocturna_chart.application.submit_batch import SubmitBatch, SubmitBatchHandler
from nocturna_chart.domain.batch import BatchItem, BatchNotInPlan, BatchStatus
from nocturna_chart.domain.birth import AmbiguousLocalTime, BirthData, Place, PlacedBirth
from nocturna_chart.domain.charts import AccountErased, ChartOptions, QuotaExceeded
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
CALCULATOR = ChartCalculator(SwissEphemerisEngine(), HouseSystem.PORPHYRY)
POLICY = ChartPolicy(unknown_plan_charts_per_month=3)
BIRTH = BirthData(date(1990, 1, 15), time(14, 30), 40.7128, -74.006, "America/New_York")
PARIS = Place(2988507, "Paris", 48.85341, 2.3488, "Europe/Paris")
META = EventMeta(
    "chart", UUID(int=77), "chart.batch.submitted.v1", datetime(2026, 1, 1, tzinfo=UTC), "chart", None, None
)


class ManualClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Worker:
    """Single creation's `create_many`, where each record takes `per_record` of the clock's time and the
    `crash_on`-th call dies after its transaction committed (before the job could record the outcomes).
    """

    def __init__(
        self,
        store: InMemoryBatchStore,
        clock: ManualClock | FixedClock,
        places: InMemoryPlaceDirectory | None = None,
    ) -> None:
        self.create = CreateChartHandler(
            store, CALCULATOR, clock, POLICY, places or InMemoryPlaceDirectory(PARIS)
        )
        self.clock, self.calls = clock, 0
        self.per_record = timedelta(0)
        self.crash_on: int | None = None
        self.before_call: Callable[[int], Awaitable[None]] | None = None

    async def __call__(self, commands: Sequence[CreateChart]) -> list[Created | Exception]:
        self.calls += 1
        if self.before_call is not None:
            await self.before_call(self.calls)
        created = await self.create.create_many(commands)
        if isinstance(self.clock, ManualClock):
            self.clock.now += self.per_record * len(commands)
        if self.calls == self.crash_on:
            raise ConnectionError("worker lost")
        return created


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


PACING = BatchPacing(first_chunk=5)


def _runner(store: InMemoryBatchStore, worker: Worker | None = None) -> RunBatchHandler:
    worker = worker or Worker(store, FixedClock())
    return RunBatchHandler(store, worker, worker.clock, PACING)


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


@pytest.mark.parametrize(("crash_on", "recorded"), [(1, 0), (3, 15)])
async def test_a_crash_mid_job_resumes_without_duplicate_charts_usage_or_events(
    crash_on: int, recorded: int
) -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    job_id = await _submit(store, [_item(i) for i in range(40)])
    crashing = Worker(store, FixedClock())
    crashing.crash_on = crash_on  # chunks of 5, 10, 20: the crashing one is committed, never recorded

    with pytest.raises(ConnectionError):
        await _runner(store, crashing)(job_id, META)
    assert store.jobs[job_id].processed == recorded
    assert len(store.records) == 40 - recorded  # resumption skips the recorded ones
    assert len(store.charts) > recorded

    await _runner(store)(job_id, META)  # the redelivered job message

    assert len(store.charts) == 40
    assert len(_published(store, ChartCalculated)) == 40
    assert store.usage[(ADA, "2026-11")] == 40
    job = store.jobs[job_id]
    assert (job.status, job.succeeded) == (BatchStatus.COMPLETED, 40)
    assert {o.chart_id for o in store.outcomes.values()} == set(store.charts)

    await _runner(store)(job_id, META)  # a duplicate after completion has no effect
    assert len(_published(store, BatchCompleted)) == 1
    assert len(store.charts) == 40


async def test_a_dependency_failing_mid_job_keeps_what_was_recorded_and_retries_the_rest() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    items = [_item(i, PlacedBirth(date(1990, 1, 1 + i), time(8, 0), PARIS.id)) for i in range(20)]
    job_id = await _submit(store, items)
    places = InMemoryPlaceDirectory(PARIS)
    flaky = Worker(store, FixedClock(), places)

    async def geocoding_goes_down(call: int) -> None:
        places.available = call < 2

    flaky.before_call = geocoding_goes_down

    with pytest.raises(PlacesUnavailable):
        await _runner(store, flaky)(job_id, META)
    assert (store.jobs[job_id].processed, len(store.charts)) == (5, 5)

    await _runner(store, Worker(store, FixedClock(), InMemoryPlaceDirectory(PARIS)))(job_id, META)
    assert (store.jobs[job_id].succeeded, len(store.charts)) == (20, 20)


async def test_progress_is_announced_at_least_once_a_second_and_no_more_often_than_needed() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    clock = ManualClock()
    job_id = await _submit(store, [_item(i) for i in range(300)], clock)
    worker = Worker(store, clock)
    worker.per_record = timedelta(milliseconds=10)  # 3 s of work in all

    await _runner(store, worker)(job_id, META)

    progressed = _published(store, BatchProgressed)
    [completed] = _published(store, BatchCompleted)
    moments = [store.jobs[job_id].created_at, *(e.progressed_at for e in progressed), completed.completed_at]
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    assert len(progressed) >= 2
    assert max(gaps) <= timedelta(seconds=1)
    assert min(gaps[:-1]) >= timedelta(milliseconds=600)  # between chunks, not at every chunk
    processed = [event.processed for event in progressed]
    assert processed == sorted(processed)
    assert processed[-1] < 300
    assert worker.calls > len(progressed) + 1


def test_chunks_grow_or_shrink_towards_a_quarter_of_the_progress_interval() -> None:
    pacing = BatchPacing(interval=timedelta(seconds=1), first_chunk=10, max_chunk=100)

    assert pacing.next_chunk(10, timedelta(milliseconds=50)) == 20  # at most doubles
    assert pacing.next_chunk(40, timedelta(milliseconds=500)) == 20
    assert pacing.next_chunk(80, timedelta(milliseconds=100)) == 100
    assert pacing.next_chunk(1, timedelta(seconds=5)) == 1
    assert pacing.next_chunk(10, timedelta(0)) == 20


async def test_create_many_refuses_records_in_place_and_creates_the_rest_in_one_transaction() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA, per_month=2)
    create = CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, InMemoryPlaceDirectory(PARIS))
    fold = BirthData(date(2021, 11, 7), time(1, 30), 40.7, -74.0, "America/New_York")
    commands = [
        CreateChart(ADA, "a", None, BIRTH, HouseSystem.PLACIDUS, ChartOptions(), "a"),
        CreateChart(ADA, "b", None, fold, HouseSystem.PLACIDUS, ChartOptions(), "b"),
        CreateChart(ADA, "c", None, BIRTH, HouseSystem.PLACIDUS, ChartOptions(), "c"),
        CreateChart(ADA, "d", None, BIRTH, HouseSystem.PLACIDUS, ChartOptions(), "d"),
        CreateChart(ADA, "a again", None, BIRTH, HouseSystem.PLACIDUS, ChartOptions(), "a"),
    ]

    a, b, c, d, again = await create.create_many(commands)

    assert isinstance(b, AmbiguousLocalTime)
    assert isinstance(d, QuotaExceeded)
    assert not isinstance(a, Exception)
    assert not isinstance(c, Exception)
    assert not isinstance(again, Exception)
    assert (a[1], c[1], again[1], again[0].chart.id) == (True, True, False, a[0].chart.id)
    assert len(store.charts) == len(_published(store, ChartCalculated)) == 2


async def test_records_of_an_erased_owner_are_refused_as_account_deleted() -> None:
    """A job whose owner was erased between two chunks (or a token outliving its account) stores nothing."""
    store = InMemoryBatchStore()
    store.erased_users[ADA] = FixedClock().now
    create = CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, InMemoryPlaceDirectory(PARIS))
    commands = [
        CreateChart(ADA, name, None, BIRTH, HouseSystem.PLACIDUS, ChartOptions(), name) for name in "ab"
    ]

    outcomes = await create.create_many(commands)

    assert all(isinstance(outcome, AccountErased) for outcome in outcomes), outcomes
    assert {item_problem(outcome).code for outcome in outcomes if isinstance(outcome, Exception)} == {
        "account_deleted"
    }
    assert store.charts == {}
    with pytest.raises(AccountErased):
        await create(commands[0])


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
    job_id = await _submit(store, [_item(i) for i in range(40)])
    worker = Worker(store, FixedClock())

    async def erased_during_the_second_chunk(call: int) -> None:
        if call == 2:
            await EraseUserBatchesHandler(store)(ADA)

    worker.before_call = erased_during_the_second_chunk

    await _runner(store, worker)(job_id, META)

    assert (store.jobs, store.records, store.outcomes) == ({}, {}, {})
    assert worker.calls == 2
    assert _published(store, BatchCompleted) == []


async def test_a_process_runs_at_most_its_number_of_concurrent_jobs() -> None:
    store = InMemoryBatchStore()
    _plan(store, ADA)
    first, second = await _submit(store, [_item(0)]), await _submit(store, [_item(1)])
    worker, release = Worker(store, FixedClock()), asyncio.Event()

    async def hold_the_first_job(call: int) -> None:
        await release.wait()

    worker.before_call = hold_the_first_job
    runner = RunBatchHandler(store, worker, worker.clock, BatchPacing(concurrent_jobs=1))
    running = [asyncio.create_task(runner(job_id, META)) for job_id in (first, second)]
    await asyncio.sleep(0.01)

    assert worker.calls == 1
    assert [store.jobs[job_id].status for job_id in (first, second)] == [
        BatchStatus.RUNNING,
        BatchStatus.QUEUED,
    ]
    release.set()
    await asyncio.gather(*running)
    assert [store.jobs[job_id].status for job_id in (first, second)] == [BatchStatus.COMPLETED] * 2
