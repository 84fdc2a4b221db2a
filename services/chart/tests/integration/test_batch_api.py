"""Batch jobs end to end in one process: HTTP → Postgres → outbox → RabbitMQ → the chart workers → Postgres."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest
from nocturna_chart.api.batch_records import json_records
from nocturna_chart.application.create_chart import CreateChart, Created
from nocturna_chart.application.purge_batches import PurgeCompletedBatchesHandler
from nocturna_chart.application.reseal_charts import ResealChartsHandler
from nocturna_chart.application.run_batch import BatchPacing, RunBatchHandler
from nocturna_chart.domain.batch import BatchJob, BatchStatus
from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.batch_jobs import SqlBatchUnitOfWork
from nocturna_chart.infrastructure.tables import MESSAGING, BatchItemRow
from nocturna_contracts.chart.v1 import BatchSubmitted
from nocturna_platform.clock import utc_now
from nocturna_platform.ids import uuid7
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.sealing import AesGcmSealer
from sqlalchemy import func, select
from sqlmodel import col

from services.chart.tests.conftest import ChartHarness

COMPLETION_TIMEOUT_SECONDS = 60.0


def _record(index: int) -> dict[str, Any]:
    return {
        "name": f"client {index}",
        "birth": {
            "date": f"19{50 + index % 50:02d}-0{1 + index % 9}-1{index % 10}",
            "time": f"{index % 24:02d}:{index % 60:02d}",
            "latitude": 40.7128,
            "longitude": -74.006,
            "timezone": "America/New_York",
        },
        "fold": 0,
    }


async def _grant(
    chart: ChartHarness, user: UUID, *, batch: bool = True, per_month: int | None = None
) -> None:
    plan = Entitlements("pro", per_month, None, synastry=True, transits=True, batch=batch)
    meta = EventMeta(
        "chart", uuid4(), "subscription.subscription.changed.v1", utc_now(), "subscription", None, None
    )
    await chart.service.use_cases.project_entitlements(EntitlementProjection(user, plan, 1, utc_now()), meta)


async def _completed(chart: ChartHarness, location: str, headers: dict[str, str]) -> dict[str, Any]:
    async with asyncio.timeout(COMPLETION_TIMEOUT_SECONDS):
        while True:
            answer = await chart.client.get(location, headers=headers)
            assert answer.status_code == 200, answer.text
            if answer.json()["status"] == "completed":
                return dict(answer.json())
            await asyncio.sleep(0.1)


async def _events(chart: ChartHarness, batch_id: str) -> list[tuple[str, str]]:
    factory = chart.service.shell.session_factory
    assert factory is not None
    outbox = MESSAGING.outbox
    async with factory() as session:
        rows = await session.execute(select(outbox.c.event_type, outbox.c.body).order_by(outbox.c.event_id))
        return [(event_type, str(body)) for event_type, body in rows if batch_id in str(body)]


async def _my_chart_ids(chart: ChartHarness, headers: dict[str, str]) -> list[str]:
    listed = await chart.client.get("/api/v1/charts", params={"limit": 100}, headers=headers)
    return [item["id"] for item in listed.json()["items"]]


async def test_a_fifty_record_batch_is_cast_in_the_background_and_announced(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    await _grant(chart, user)

    accepted = await chart.client.post(
        "/api/v1/charts/batch", json={"items": [_record(i) for i in range(50)]}, headers=headers
    )

    assert accepted.status_code == 202, accepted.text
    batch_id = accepted.json()["id"]
    assert accepted.headers["location"] == f"/api/v1/charts/batch/{batch_id}"
    assert (accepted.json()["status"], accepted.json()["total"]) == ("queued", 50)
    report = await _completed(chart, accepted.headers["location"], headers)
    assert (report["total"], report["processed"], report["succeeded"], report["failed"]) == (50, 50, 50, 0)
    assert [item["index"] for item in report["items"]] == list(range(50))
    chart_ids = [item["chart_id"] for item in report["items"]]
    assert sorted(chart_ids) == sorted(await _my_chart_ids(chart, headers))
    first = await chart.client.get(f"/api/v1/charts/{chart_ids[0]}", headers=headers)
    assert first.json()["name"] == "client 0"
    events = [event_type for event_type, _ in await _events(chart, batch_id)]
    assert events.count("chart.chart.calculated.v1") == 50
    assert events.count("chart.batch.submitted.v1") == 1
    assert events.count("chart.batch.completed.v1") == 1
    assert events[-1] == "chart.batch.completed.v1"


def _batch_uow(chart: ChartHarness) -> Callable[[], SqlBatchUnitOfWork]:
    factory = chart.service.shell.session_factory
    assert factory is not None
    dev_key = chart.settings.encryption.keys["dev"].get_secret_value()
    return partial(SqlBatchUnitOfWork, factory, MESSAGING, utc_now, AesGcmSealer({"dev": dev_key}, "dev"))


async def _stored_job(chart: ChartHarness, user: UUID, records: int) -> BatchJob:
    """A job stored without its job message: only the workers a test runs itself process it."""
    job = BatchJob.submitted(uuid7(), user, records, utc_now())
    async with _batch_uow(chart)() as uow:
        await uow.batches.add(job, json_records(json.dumps([_record(i) for i in range(records)]).encode()))
        await uow.commit()
    return job


async def test_two_deliveries_of_a_job_at_once_create_each_chart_once(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    await _grant(chart, user)
    job = await _stored_job(chart, user, 40)
    meta = EventMeta("chart", uuid4(), BatchSubmitted.event_type, utc_now(), "chart", None, None)

    await asyncio.gather(*(chart.service.use_cases.run_batch(job.id, meta) for _ in range(2)))

    report = (await chart.client.get(f"/api/v1/charts/batch/{job.id}", headers=headers)).json()
    assert (report["status"], report["succeeded"], report["failed"]) == ("completed", 40, 0)
    chart_ids = await _my_chart_ids(chart, headers)
    assert len(chart_ids) == len(set(chart_ids)) == 40
    events = [event_type for event_type, _ in await _events(chart, str(job.id))]
    assert events.count("chart.chart.calculated.v1") == 40
    assert events.count("chart.batch.completed.v1") == 1


async def test_a_running_job_announces_its_progress_through_the_outbox(chart: ChartHarness) -> None:
    user = uuid4()
    await _grant(chart, user)
    job = await _stored_job(chart, user, 12)
    create_charts = chart.service.use_cases.create_chart.create_many

    async def slowly(commands: Sequence[CreateChart]) -> list[Created | Exception]:
        await asyncio.sleep(0.05)
        return await create_charts(commands)

    pacing = BatchPacing(interval=timedelta(milliseconds=100), first_chunk=2, max_chunk=2)
    meta = EventMeta("chart", uuid4(), BatchSubmitted.event_type, utc_now(), "chart", None, None)
    await RunBatchHandler(_batch_uow(chart), slowly, utc_now, pacing)(job.id, meta)

    events = await _events(chart, str(job.id))
    progressed = [
        json.loads(body) for event_type, body in events if event_type == "chart.batch.progressed.v1"
    ]
    assert len(progressed) >= 2
    processed = [event["payload"]["processed"] for event in progressed]
    assert processed == sorted(set(processed))
    assert all(
        0 < count < 12 and event["payload"]["total"] == 12
        for count, event in zip(processed, progressed, strict=True)
    )
    assert events[-1][0] == "chart.batch.completed.v1"


async def test_resuming_after_a_worker_crash_creates_no_duplicates(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    await _grant(chart, user)
    batch_uow = _batch_uow(chart)
    job = await _stored_job(chart, user, 30)
    calls = 0

    async def dies_in_the_third_chunk(commands: Sequence[CreateChart]) -> list[Created | Exception]:
        nonlocal calls
        calls += 1
        created = await chart.service.use_cases.create_chart.create_many(commands)
        if calls == 3:  # the third chunk of 5 is committed, its outcomes never recorded
            raise ConnectionError("worker lost")
        return created

    pacing = BatchPacing(interval=timedelta(minutes=1), first_chunk=5, max_chunk=5)
    crashing = RunBatchHandler(batch_uow, dies_in_the_third_chunk, utc_now, pacing)
    meta = EventMeta("chart", uuid4(), BatchSubmitted.event_type, utc_now(), "chart", None, None)
    with pytest.raises(ConnectionError):
        await crashing(job.id, meta)
    location = f"/api/v1/charts/batch/{job.id}"
    midway = (await chart.client.get(location, headers=headers)).json()
    assert (midway["status"], midway["processed"]) == ("running", 10)
    assert len(await _my_chart_ids(chart, headers)) == 15

    async with batch_uow() as uow:  # the job message, delivered again to the service's own workers
        uow.publish(BatchSubmitted(batch_id=job.id, user_id=user, total=30, submitted_at=utc_now()))
        await uow.commit()
    report = await _completed(chart, location, headers)

    assert (report["succeeded"], report["failed"]) == (30, 0)
    chart_ids = await _my_chart_ids(chart, headers)
    assert len(chart_ids) == len(set(chart_ids)) == 30
    assert sorted(item["chart_id"] for item in report["items"]) == sorted(chart_ids)
    events = [event_type for event_type, _ in await _events(chart, str(job.id))]
    assert events.count("chart.chart.calculated.v1") == 30
    assert events.count("chart.batch.completed.v1") == 1


async def test_a_batch_needs_the_plan_entitlement(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    body = [_record(0)]

    unknown_plan = await chart.client.post("/api/v1/charts/batch", json=body, headers=headers)
    await _grant(chart, user, batch=False)
    without = await chart.client.post("/api/v1/charts/batch", json=body, headers=headers)

    for refused in (unknown_plan, without):
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert (refused.json()["code"], refused.json()["entitlement"]) == ("entitlement_required", "batch")


async def test_more_than_a_thousand_records_are_refused(chart: ChartHarness) -> None:
    user = uuid4()
    await _grant(chart, user)
    compact = {"name": "x", "birth": {"date": "1990-01-01", "time": None, "place_id": 1}}

    refused = await chart.client.post(
        "/api/v1/charts/batch", json=[compact] * 1001, headers=chart.headers(user)
    )

    assert refused.status_code == 413
    assert (refused.json()["code"], refused.json()["limit"]) == ("too_many_items", 1000)


async def test_csv_upload_with_a_bad_row_is_refused_naming_the_row(chart: ChartHarness) -> None:
    user = uuid4()
    headers = {**chart.headers(user), "content-type": "text/csv"}
    await _grant(chart, user)
    csv = (
        "name,date,time,latitude,longitude,timezone\n"
        "Ada,1990-01-15,14:30,40.7128,-74.006,America/New_York\n"
        "Bob,1990-02-30,10:00,40.7128,-74.006,America/New_York\n"
    )

    refused = await chart.client.post("/api/v1/charts/batch", content=csv, headers=headers)

    assert refused.status_code == 422
    assert (refused.json()["code"], refused.json()["invalid_records"]) == ("invalid_records", [3])
    assert [error["field"] for error in refused.json()["errors"]] == ["rows.3.date"]
    assert await _my_chart_ids(chart, headers) == []


async def test_csv_upload_is_cast_with_per_record_problems(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    await _grant(chart, user)
    csv = (
        "name,date,time,latitude,longitude,timezone,fold\n"
        "Ada,1990-01-15,14:30,40.7128,-74.006,America/New_York,\n"
        "Bob,2021-11-07,01:30,40.7128,-74.006,America/New_York,\n"
        "Cy,2021-11-07,01:30,40.7128,-74.006,America/New_York,1\n"
    )

    accepted = await chart.client.post(
        "/api/v1/charts/batch", content=csv, headers={**headers, "content-type": "text/csv; charset=utf-8"}
    )

    assert accepted.status_code == 202, accepted.text
    report = await _completed(chart, accepted.headers["location"], headers)
    assert (report["succeeded"], report["failed"]) == (2, 1)
    ada, bob, cy = report["items"]
    assert ada["status"] == cy["status"] == "succeeded"
    assert (bob["status"], bob["chart_id"], bob["problem"]["code"]) == (
        "failed",
        None,
        "ambiguous_local_time",
    )
    assert "2021" not in bob["problem"]["detail"]  # problems are stored in clear: they never echo birth data


async def test_another_users_batch_answers_404(chart: ChartHarness) -> None:
    user = uuid4()
    await _grant(chart, user)
    accepted = await chart.client.post("/api/v1/charts/batch", json=[_record(1)], headers=chart.headers(user))
    location = accepted.headers["location"]

    stranger = await chart.client.get(location, headers=chart.headers(uuid4()))
    missing = await chart.client.get(f"/api/v1/charts/batch/{uuid4()}", headers=chart.headers(user))

    assert (stranger.status_code, missing.status_code) == (404, 404)
    assert stranger.json()["code"] == "not_found"


async def test_unsupported_or_empty_bodies_are_problems(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    await _grant(chart, user)

    xml = await chart.client.post(
        "/api/v1/charts/batch", content=b"<x/>", headers={**headers, "content-type": "application/xml"}
    )
    empty = await chart.client.post("/api/v1/charts/batch", json=[], headers=headers)

    assert (xml.status_code, xml.json()["code"]) == (415, "unsupported_media_type")
    assert (empty.status_code, empty.json()["code"]) == (422, "empty_batch")


async def test_an_erased_account_loses_its_batch_jobs(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    await _grant(chart, user)
    accepted = await chart.client.post("/api/v1/charts/batch", json=[_record(2)], headers=headers)
    await _completed(chart, accepted.headers["location"], headers)

    await chart.service.use_cases.erase_user_batches(user)

    assert (await chart.client.get(accepted.headers["location"], headers=headers)).status_code == 404


async def test_reseal_moves_pending_records_to_the_current_key(chart: ChartHarness) -> None:
    job = await _stored_job(chart, uuid4(), 3)
    factory = chart.service.shell.session_factory
    assert factory is not None
    dev_key = chart.settings.encryption.keys["dev"].get_secret_value()
    keys = {"dev": dev_key, "k2": base64.b64encode(b"k" * 32).decode()}
    rotated = partial(SqlBatchUnitOfWork, factory, MESSAGING, utc_now, AesGcmSealer(keys, "k2"))

    try:
        resealed = await ResealChartsHandler(rotated)(batch_size=2)

        assert resealed.batch_records >= 3
        assert (await ResealChartsHandler(rotated)(batch_size=2)).batch_records == 0
        async with factory() as session:
            stale = select(func.count()).where(
                col(BatchItemRow.key_id).is_not(None), col(BatchItemRow.key_id) != "k2"
            )
            assert await session.scalar(stale) == 0
        only_new_key = partial(
            SqlBatchUnitOfWork, factory, MESSAGING, utc_now, AesGcmSealer({"k2": keys["k2"]}, "k2")
        )
        async with only_new_key() as uow:
            pending = await uow.batches.pending(job.id)
        assert [item.name for item in pending] == ["client 0", "client 1", "client 2"]
    finally:  # the service under test knows only the development key
        back = partial(SqlBatchUnitOfWork, factory, MESSAGING, utc_now, AesGcmSealer(keys, "dev"))
        await ResealChartsHandler(back)()


async def test_completed_jobs_past_their_retention_are_deleted_and_their_charts_kept(
    chart: ChartHarness,
) -> None:
    user = uuid4()
    headers = chart.headers(user)
    await _grant(chart, user)
    old, recent = await _stored_job(chart, user, 2), await _stored_job(chart, user, 2)
    meta = EventMeta("chart", uuid4(), BatchSubmitted.event_type, utc_now(), "chart", None, None)
    for job in (old, recent):
        await chart.service.use_cases.run_batch(job.id, meta)
    async with _batch_uow(chart)() as uow:
        finished = await uow.batches.lock(old.id)
        assert finished is not None
        assert finished.status is BatchStatus.COMPLETED
        await uow.batches.update(replace(finished, completed_at=utc_now() - timedelta(days=31)))
        await uow.commit()

    purge = PurgeCompletedBatchesHandler(_batch_uow(chart), utc_now, timedelta(days=30))
    assert await purge() == 1
    assert await purge() == 0

    assert (await chart.client.get(f"/api/v1/charts/batch/{old.id}", headers=headers)).status_code == 404
    assert (await chart.client.get(f"/api/v1/charts/batch/{recent.id}", headers=headers)).status_code == 200
    assert len(await _my_chart_ids(chart, headers)) == 4
