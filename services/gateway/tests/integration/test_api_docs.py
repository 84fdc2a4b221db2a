from __future__ import annotations

from uuid import uuid4

import pytest
from nocturna_gateway.api_docs.catalog import MISSING_RETRY_SECONDS

from services.gateway.tests.conftest import PREFIXES, GatewayHarness, LocalUpstream

pytestmark = pytest.mark.integration


def anonymous() -> dict[str, str]:
    return {"x-forwarded-for": f"192.0.2.{uuid4().int % 250 + 1}"}


async def test_the_merged_openapi_has_every_services_paths_and_disambiguated_schemas(
    gateway: GatewayHarness,
) -> None:
    answer = await gateway.client.get("/api/v1/openapi.json", headers=anonymous())
    assert answer.status_code == 200
    document = answer.json()
    for prefix in PREFIXES.values():
        assert f"{prefix}/echo" in document["paths"]
    assert not any(path.startswith("/internal/") for path in document["paths"]), "unrouted paths are left out"
    schemas = document["components"]["schemas"]
    assert "chart.Place" in schemas
    assert "Place" in schemas, "auth, geocoding and subscription share one identical Place"
    chart_place = document["paths"]["/api/v1/charts/place"]["post"]["responses"]["200"]["content"]
    assert chart_place["application/json"]["schema"] == {"$ref": "#/components/schemas/chart.Place"}


async def test_a_changed_upstream_document_is_picked_up_on_refresh(gateway: GatewayHarness) -> None:
    upstream = gateway.upstreams["geocoding"].app

    @upstream.get("/api/v1/geo/added-later")
    async def added_later() -> dict[str, str]:
        return {}

    upstream.openapi_schema = None
    try:
        assert await gateway.service.catalog.refresh()
        assert not await gateway.service.catalog.refresh(), "unchanged documents rebuild nothing"
        document = (await gateway.client.get("/api/v1/openapi.json", headers=anonymous())).json()
        assert "/api/v1/geo/added-later" in document["paths"]
    finally:
        upstream.router.routes.pop()
        upstream.openapi_schema = None


async def test_with_upstreams_down_the_others_are_still_merged(faulty_gateway: GatewayHarness) -> None:
    answer = await faulty_gateway.client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    assert "/api/v1/plans/echo" in paths
    assert not any(path.startswith("/api/v1/charts") for path in paths)


async def test_an_upstream_that_comes_up_later_joins_the_document_on_request(
    faulty_gateway: GatewayHarness,
) -> None:
    catalog = faulty_gateway.service.catalog
    await catalog.document()
    upstream = LocalUpstream("geocoding", faulty_gateway.closed_ports["geocoding"])
    await upstream.start()
    try:
        catalog._refreshed_at -= MISSING_RETRY_SECONDS  # as if the retry pause had passed
        paths = (await faulty_gateway.client.get("/api/v1/openapi.json")).json()["paths"]
    finally:
        await upstream.stop()
    assert "/api/v1/geo/echo" in paths


async def test_asyncapi_describes_the_events_a_client_receives(gateway: GatewayHarness) -> None:
    answer = await gateway.client.get("/api/v1/asyncapi", headers=anonymous())
    assert answer.status_code == 200
    document = answer.json()
    assert document["asyncapi"] == "3.0.0"
    assert "chart.chart.calculated.v1" in document["components"]["messages"]
