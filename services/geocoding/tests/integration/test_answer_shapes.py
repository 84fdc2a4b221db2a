"""Search and timezone answers are written as JSON directly, not through their response models: they must
still be exactly the documented shapes, field for field and in order."""

from __future__ import annotations

import pytest
from nocturna_geocoding.api.routes import PlaceSearchResponse, PlaceView, TimezoneResponse
from nocturna_platform.db.engine import driver_connection

from services.geocoding.tests.conftest import GeocodingHarness

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("query", ["Paris", "Lond", "Londn", "Xqzvw"])
async def test_a_search_answers_in_the_documented_shape(geocoding: GeocodingHarness, query: str) -> None:
    for _ in range(2):  # computed, then from the cache
        response = await geocoding.client.get("/api/v1/geo/places", params={"q": query, "limit": 3})
        assert response.status_code == 200
        body = response.json()
        assert PlaceSearchResponse.model_validate(body, strict=True).model_dump() == body
        for item in body["items"]:
            assert list(item) == list(PlaceView.model_fields)


@pytest.mark.parametrize("local", ["2021-03-14T02:30:00", "2021-11-07T01:30:00", "1941-06-01T12:00:00"])
async def test_a_timezone_answers_in_the_documented_shape(geocoding: GeocodingHarness, local: str) -> None:
    params = {"lat": 40.7128, "lon": -74.006, "local": local}
    response = await geocoding.client.get("/api/v1/geo/timezone", params=params)
    assert response.status_code == 200
    body = response.json()
    assert TimezoneResponse.model_validate(body, strict=True).model_dump() == body
    assert list(body) == list(TimezoneResponse.model_fields)


async def test_the_services_connections_plan_each_statement_once(geocoding: GeocodingHarness) -> None:
    """The search statements are written for generic plans; the service's pool asks Postgres for them."""
    assert geocoding.service.shell.engine is not None
    async with driver_connection(geocoding.service.shell.engine) as connection:
        assert await connection.fetchval("SHOW plan_cache_mode") == "force_generic_plan"
        assert await connection.fetchval("SHOW pg_trgm.similarity_threshold") == "0.3"
