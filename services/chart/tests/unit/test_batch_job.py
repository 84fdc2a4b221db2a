from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nocturna_chart.domain.batch import (
    MAX_ITEMS,
    BatchJob,
    BatchStatus,
    BatchTooLarge,
    EmptyBatch,
    ItemOutcome,
    ItemProblem,
)

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OWNER = UUID("0190a000-0000-7000-8000-000000000001")
PROBLEM = ItemProblem("quota_exceeded", "Plan limit reached", "no room")
SECOND, QUARTER = timedelta(seconds=1), timedelta(milliseconds=250)


def _job(total: int = 3) -> BatchJob:
    return BatchJob.submitted(UUID(int=1), OWNER, total, T0)


def test_a_job_is_queued_then_runs_then_completes_when_every_record_is_settled() -> None:
    job = _job().started(T0)
    assert job.status is BatchStatus.RUNNING

    job = job.recorded([ItemOutcome(0, chart_id=UUID(int=9)), ItemOutcome(1, problem=PROBLEM)], T0)
    assert (job.status, job.succeeded, job.failed, job.processed) == (BatchStatus.RUNNING, 1, 1, 2)

    done = job.recorded([ItemOutcome(2, chart_id=UUID(int=10))], T0 + SECOND)
    assert (done.status, done.succeeded, done.failed, done.completed_at) == (
        BatchStatus.COMPLETED,
        2,
        1,
        T0 + SECOND,
    )
    assert done.started(T0 + 2 * SECOND) == done  # a redelivered job message does not reopen it


def test_outcomes_are_recorded_only_while_running_and_never_beyond_the_total() -> None:
    with pytest.raises(ValueError, match="queued"):
        _job().recorded([], T0)
    with pytest.raises(ValueError, match="more outcomes"):
        _job(1).started(T0).recorded([ItemOutcome(0, chart_id=UUID(int=1))] * 2, T0)


def test_a_job_holds_one_to_a_thousand_records() -> None:
    with pytest.raises(EmptyBatch):
        _job(0)
    with pytest.raises(BatchTooLarge):
        _job(MAX_ITEMS + 1)
    assert _job(MAX_ITEMS).total == MAX_ITEMS


def test_progress_is_due_when_the_next_chunk_could_make_the_last_announcement_a_second_old() -> None:
    job = _job().started(T0)

    assert not job.progress_due(T0 + timedelta(milliseconds=700), SECOND, QUARTER)
    assert job.progress_due(T0 + timedelta(milliseconds=750), SECOND, QUARTER)
    announced = job.announced(T0 + timedelta(milliseconds=750))
    assert not announced.progress_due(T0 + SECOND, SECOND, QUARTER)
    assert not _job().progress_due(T0 + 5 * SECOND, SECOND, QUARTER)  # queued: nothing to announce


def test_a_resumed_job_counts_its_progress_clock_from_the_resumption() -> None:
    job = _job().started(T0).announced(T0)

    resumed = job.started(T0 + 60 * SECOND)

    assert resumed.last_progress_at == T0 + 60 * SECOND
    assert not resumed.progress_due(T0 + 60 * SECOND, SECOND, QUARTER)
