"""The charts API end to end in one process: real Postgres, outbox rows, sealed storage."""

from __future__ import annotations

import asyncio
import base64
from functools import partial
from uuid import UUID, uuid4

from nocturna_chart.application.reseal_charts import ResealChartsHandler
from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.batch_jobs import SqlBatchUnitOfWork
from nocturna_chart.infrastructure.repositories import SqlChartUnitOfWork
from nocturna_chart.infrastructure.tables import MESSAGING, ChartRow
from nocturna_platform.clock import utc_now
from nocturna_platform.sealing import AesGcmSealer
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from services.chart.tests.conftest import ChartHarness
from services.chart.tests.integration.chart_requests import NATAL, grant_pro, outbox_types


async def test_create_get_list_edit_delete(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)

    created = await chart.client.post("/api/v1/charts", json=NATAL, headers=headers)

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["birth"]["utc"] == "1990-01-15T19:30:00Z"
    assert (body["birth"]["utc_offset"], body["birth"]["zone"]) == ("-05:00", "America/New_York")
    assert body["house_system"] == "placidus"
    sun = body["result"]["bodies"]["sun"]
    assert (sun["sign"], sun["degree"], sun["minute"], sun["house"]) == ("capricorn", 25, 23, 8)
    assert abs(sun["longitude"] - 295.39644791188624) < 1 / 3600
    assert set(body["result"]["houses"]["angles"]) == {"asc", "mc", "desc", "ic", "vertex"}
    assert {"a", "b", "type", "angle", "orb", "applying", "exact"} == set(body["result"]["aspects"][0])
    assert body["engine"]["name"] == "swisseph"
    chart_id = body["id"]

    fetched = await chart.client.get(f"/api/v1/charts/{chart_id}", headers=headers)
    assert fetched.json()["result"] == body["result"]
    listed = await chart.client.get("/api/v1/charts", params={"limit": 1}, headers=headers)
    assert [item["id"] for item in listed.json()["items"]] == [chart_id]

    edited = await chart.client.patch(
        f"/api/v1/charts/{chart_id}",
        json={"name": "Ada L.", "notes": None, "house_system": "koch"},
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["notes"], edited.json()["result"]["houses"]["system"]) == (
        "Ada L.",
        None,
        "koch",
    )

    assert (await chart.client.delete(f"/api/v1/charts/{chart_id}", headers=headers)).status_code == 204
    assert (await chart.client.get(f"/api/v1/charts/{chart_id}", headers=headers)).status_code == 404
    assert sorted(await outbox_types(chart, user)) == ["chart.chart.calculated.v1", "chart.chart.deleted.v1"]


async def test_birth_data_is_sealed_at_rest(chart: ChartHarness) -> None:
    created = await chart.client.post("/api/v1/charts", json=NATAL, headers=chart.headers(uuid4()))
    factory = chart.service.shell.session_factory
    assert factory is not None

    async with factory() as session:
        row = await session.get(ChartRow, UUID(created.json()["id"]))

    assert row is not None
    assert row.key_id == "dev"
    for secret in (b"1990", b"Ada", b"Manhattan", b"America/New_York", b"40.7128"):
        assert secret not in row.sealed


async def test_another_users_chart_answers_404_on_every_route(chart: ChartHarness) -> None:
    created = await chart.client.post("/api/v1/charts", json=NATAL, headers=chart.headers(uuid4()))
    chart_id = created.json()["id"]
    stranger = chart.headers(uuid4())

    assert (await chart.client.get(f"/api/v1/charts/{chart_id}", headers=stranger)).status_code == 404
    assert (
        await chart.client.patch(f"/api/v1/charts/{chart_id}", json={"name": "x"}, headers=stranger)
    ).status_code == 404
    assert (await chart.client.delete(f"/api/v1/charts/{chart_id}", headers=stranger)).status_code == 404
    assert (await chart.client.get("/api/v1/charts", headers=stranger)).json()["items"] == []


async def test_a_local_time_in_a_dst_fold_is_refused_naming_both_instants(chart: ChartHarness) -> None:
    birth = {**NATAL["birth"], "date": "2021-11-07", "time": "01:30"}
    headers = chart.headers(uuid4())

    refused = await chart.client.post("/api/v1/charts", json={**NATAL, "birth": birth}, headers=headers)
    chosen = await chart.client.post(
        "/api/v1/charts", json={**NATAL, "birth": birth, "fold": 1}, headers=headers
    )

    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "ambiguous_local_time"
    assert "2021-11-07T05:30:00Z" in problem["detail"]
    assert "2021-11-07T06:30:00Z" in problem["detail"]
    assert chosen.status_code == 201
    assert chosen.json()["birth"]["utc"] == "2021-11-07T06:30:00Z"


async def test_unknown_time_polar_fallback_and_bad_input(chart: ChartHarness) -> None:
    headers = chart.headers(uuid4())
    noon = {**NATAL, "birth": {**NATAL["birth"], "time": None}}
    polar = {
        **NATAL,
        "birth": {**NATAL["birth"], "latitude": 78.22, "longitude": 15.65, "timezone": "Arctic/Longyearbyen"},
    }

    unknown = (await chart.client.post("/api/v1/charts", json=noon, headers=headers)).json()
    arctic = (await chart.client.post("/api/v1/charts", json=polar, headers=headers)).json()
    bad_zone = await chart.client.post(
        "/api/v1/charts",
        json={**NATAL, "birth": {**NATAL["birth"], "timezone": "Mars/Base"}},
        headers=headers,
    )
    bad_orb = await chart.client.post(
        "/api/v1/charts", json={**NATAL, "options": {"orbs": {"trine": 40}}}, headers=headers
    )

    assert unknown["result"]["houses"] is None
    assert unknown["birth"]["utc"] == "1990-01-15T17:00:00Z"
    assert "unknown" in unknown["warnings"][0]
    assert arctic["result"]["houses"]["system"] == "porphyry"
    assert "placidus" in arctic["warnings"][0]
    assert (bad_zone.status_code, bad_zone.json()["code"]) == (422, "unknown_timezone")
    assert bad_orb.status_code == 422


async def test_idempotency_key_and_quota(chart: ChartHarness) -> None:
    user = uuid4()
    headers = {**chart.headers(user), "Idempotency-Key": "same"}
    first = await chart.client.post("/api/v1/charts", json=NATAL, headers=headers)
    again = await chart.client.post("/api/v1/charts", json=NATAL, headers=headers)
    assert first.json()["id"] == again.json()["id"]

    plain = chart.headers(user)
    limit = chart.settings.quota.unknown_plan_charts_per_month
    for _ in range(limit - 1):
        assert (await chart.client.post("/api/v1/charts", json=NATAL, headers=plain)).status_code == 201
    refused = await chart.client.post("/api/v1/charts", json=NATAL, headers=plain)

    assert refused.status_code == 402
    assert refused.json()["code"] == "quota_exceeded"
    assert str(limit) in refused.json()["detail"]


async def test_birth_place_is_coordinates_or_a_place_id_never_both(chart: ChartHarness) -> None:
    headers = chart.headers(uuid4())
    both = {**NATAL, "birth": {**NATAL["birth"], "place_id": 2988507}}
    neither = {**NATAL, "birth": {"date": "1990-01-15", "time": "14:30"}}

    for body in (both, neither):
        refused = await chart.client.post("/api/v1/charts", json=body, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"].startswith("birth")


async def test_transits_to_a_saved_chart_need_the_plan_feature(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    chart_id = (await chart.client.post("/api/v1/charts", json=NATAL, headers=headers)).json()["id"]
    at = {"at": "2026-01-11T12:00:00-05:00"}

    refused = await chart.client.post(f"/api/v1/charts/{chart_id}/transits", json=at, headers=headers)
    await grant_pro(chart, user)
    answered = await chart.client.post(f"/api/v1/charts/{chart_id}/transits", json=at, headers=headers)
    stranger = await chart.client.post(
        f"/api/v1/charts/{chart_id}/transits", json=at, headers=chart.headers(uuid4())
    )
    naive = await chart.client.post(
        f"/api/v1/charts/{chart_id}/transits", json={"at": "2026-01-11T12:00:00"}, headers=headers
    )

    assert (refused.status_code, refused.json()["code"]) == (402, "feature_not_in_plan")
    projected = await chart.client.get("/api/v1/charts/entitlements", headers=headers)
    assert (projected.status_code, projected.json()["plan_code"]) == (200, "pro")
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["at"] == "2026-01-11T17:00:00Z"
    assert body["bodies"]["sun"]["house"] == 8
    assert any(a["a"] == "sun" and a["b"] == "sun" and a["type"] == "conjunction" for a in body["aspects"])
    assert stranger.status_code == 404
    assert naive.status_code == 422


async def test_synastry_between_a_saved_chart_and_inline_birth_data(chart: ChartHarness) -> None:
    user = uuid4()
    headers = chart.headers(user)
    chart_id = (await chart.client.post("/api/v1/charts", json=NATAL, headers=headers)).json()["id"]
    stranger = uuid4()
    for someone in (user, stranger):
        await grant_pro(chart, someone)
    inline = {
        "birth": {
            "date": "1992-06-20",
            "time": "09:15:00",
            "latitude": 34.0522,
            "longitude": -118.2437,
            "timezone": "America/Los_Angeles",
        }
    }

    answered = await chart.client.post(
        "/api/v1/charts/synastry", json={"a": chart_id, "b": inline}, headers=headers
    )
    foreign = await chart.client.post(
        "/api/v1/charts/synastry", json={"a": chart_id, "b": inline}, headers=chart.headers(stranger)
    )

    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert (body["a"]["chart_id"], body["b"]["chart_id"]) == (chart_id, None)
    assert body["overlays"]["b_in_a"]["sun"] == 1  # as recorded from Nocturna Calculations
    assert any(a["a"] == "sun" and a["b"] == "mercury" and a["type"] == "opposition" for a in body["aspects"])
    assert foreign.status_code == 404


async def test_reseal_moves_every_chart_to_the_current_key(chart: ChartHarness) -> None:
    created = await chart.client.post("/api/v1/charts", json=NATAL, headers=chart.headers(uuid4()))
    chart_id = UUID(created.json()["id"])
    factory = chart.service.shell.session_factory
    assert factory is not None
    dev_key = chart.settings.encryption.keys["dev"].get_secret_value()
    rotated = AesGcmSealer({"dev": dev_key, "k2": base64.b64encode(b"k" * 32).decode()}, "k2")
    uow = partial(SqlBatchUnitOfWork, factory, MESSAGING, utc_now, rotated)

    try:
        resealed = await ResealChartsHandler(uow)(batch_size=2)

        assert resealed.charts >= 1
        assert (await ResealChartsHandler(uow)(batch_size=2)).charts == 0
        async with uow() as work:
            again = await work.charts.get(chart_id)
        assert again is not None
        assert again.name == "Ada"
        async with factory() as session:
            stale = select(func.count()).select_from(ChartRow).where(ChartRow.key_id != "k2")  # type: ignore[arg-type]
            assert await session.scalar(stale) == 0
    finally:  # the service under test knows only the development key
        back = AesGcmSealer({"dev": dev_key, "k2": base64.b64encode(b"k" * 32).decode()}, "dev")
        await ResealChartsHandler(partial(SqlBatchUnitOfWork, factory, MESSAGING, utc_now, back))()


async def test_solar_and_lunar_returns_of_a_saved_chart(chart: ChartHarness) -> None:
    headers = chart.headers(uuid4())
    chart_id = (await chart.client.post("/api/v1/charts", json=NATAL, headers=headers)).json()["id"]
    url = f"/api/v1/charts/{chart_id}/returns"

    solar = await chart.client.post(url, json={"body": "sun", "year": 2026}, headers=headers)
    lunar = await chart.client.post(
        url,
        json={"body": "moon", "year": 2026, "month": 3, "place": {"latitude": 51.5, "longitude": -0.12}},
        headers=headers,
    )
    stranger = await chart.client.post(
        url, json={"body": "sun", "year": 2026}, headers=chart.headers(uuid4())
    )

    assert solar.status_code == 200, solar.text
    assert solar.json()["at"].startswith("2026-01-15T13:16:2")  # recorded upstream: 13:16:27
    assert abs(solar.json()["result"]["bodies"]["sun"]["longitude"] - 295.39644791188624) < 1e-6
    assert lunar.json()["at"].startswith("2026-03-04T03:03:5")  # recorded upstream: 03:03:51
    assert (lunar.json()["latitude"], lunar.json()["longitude"]) == (51.5, -0.12)
    assert stranger.status_code == 404


async def test_concurrent_creates_with_one_idempotency_key_make_one_chart(chart: ChartHarness) -> None:
    user = uuid4()
    headers = {**chart.headers(user), "Idempotency-Key": "race"}

    answers = await asyncio.gather(
        *(chart.client.post("/api/v1/charts", json=NATAL, headers=headers) for _ in range(6))
    )

    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    listed = await chart.client.get("/api/v1/charts", headers=chart.headers(user))
    assert len(listed.json()["items"]) == 1
    assert (await outbox_types(chart, user)).count("chart.chart.calculated.v1") == 1


async def test_list_pages_with_opaque_cursors(chart: ChartHarness) -> None:
    headers = chart.headers(uuid4())
    ids = [
        (await chart.client.post("/api/v1/charts", json=NATAL, headers=headers)).json()["id"]
        for _ in range(3)
    ]

    first = (await chart.client.get("/api/v1/charts", params={"limit": 2}, headers=headers)).json()
    second = (
        await chart.client.get(
            "/api/v1/charts", params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    bad = await chart.client.get("/api/v1/charts", params={"cursor": ids[0]}, headers=headers)

    assert [item["id"] for item in first["items"] + second["items"]] == list(reversed(ids))
    assert second["next_cursor"] is None
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_cursor")


async def test_after_its_connections_are_killed_one_create_at_most_fails_with_503(
    chart: ChartHarness,
) -> None:
    """No pre-ping (see settings): a dead connection fails one request as a 503 problem, the pool is replaced
    and the next creates succeed."""
    user = uuid4()
    created = [chart.client.post("/api/v1/charts", json=NATAL, headers=chart.headers(user)) for _ in range(2)]
    assert [response.status_code for response in await asyncio.gather(*created)] == [201, 201]
    assert chart.service.shell.engine is not None
    outsider = create_async_engine(chart.service.shell.engine.url, poolclass=NullPool)
    async with outsider.connect() as connection:  # not one of the service's pooled connections
        killed = await connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'chart' AND datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await outsider.dispose()
    assert killed
    # The first use of a dead connection fails; the outbox relay may be that first use (it polls).
    first, *rest = [
        await chart.client.post("/api/v1/charts", json=NATAL, headers=chart.headers(user)) for _ in range(4)
    ]
    assert [response.status_code for response in rest] == [201, 201, 201]
    assert first.status_code in (201, 503)
    if first.status_code == 503:
        assert first.headers["content-type"].startswith("application/problem+json")
        assert first.json()["code"] == "database_unavailable"


async def test_an_older_projection_written_last_never_replaces_a_newer_one(chart: ChartHarness) -> None:
    """Two replicas may project a user's first two versions at once: no row exists yet for the read to lock,
    and the free plan (v1) may commit after the upgrade (v2)."""
    user = uuid4()
    factory = chart.service.shell.session_factory
    assert factory is not None
    dev_key = chart.settings.encryption.keys["dev"].get_secret_value()
    uow = partial(SqlChartUnitOfWork, factory, MESSAGING, utc_now, AesGcmSealer({"dev": dev_key}, "dev"))
    free = Entitlements("free", 10, 20, synastry=False, transits=False, batch=False)
    pro = Entitlements("pro", 500, 1000, synastry=True, transits=True, batch=False)

    for projection in (
        EntitlementProjection(user, pro, 2, utc_now()),
        EntitlementProjection(user, free, 1, utc_now()),
    ):
        async with uow() as work:
            await work.entitlements.put(projection)
            await work.commit()

    async with uow() as work:
        stored = await work.entitlements.get(user)
    assert stored is not None
    assert (stored.entitlements.plan_code, stored.version) == ("pro", 2)
