from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis
from nocturna_geocoding.bootstrap import GeocodingService
from nocturna_geocoding.settings import GeocodingSettings
from nocturna_platform.testing.infrastructure import Infrastructure
from nocturna_platform.testing.plugin import TestRun, isolated_run
from nocturna_platform.testing.serving import serving
from pydantic import SecretStr
from sqlalchemy import NullPool, text
from sqlalchemy.ext.asyncio import create_async_engine

from services.geocoding.tests.conftest import GeocodingHarness

pytestmark = pytest.mark.integration


@pytest.fixture
def empty_run(infrastructure: Infrastructure) -> Iterator[TestRun]:
    with isolated_run(infrastructure) as run:
        yield run


async def test_the_service_is_not_ready_before_its_places_are_seeded(
    test_env: dict[str, str], empty_run: TestRun
) -> None:
    service = GeocodingService(GeocodingSettings(database_url=SecretStr(empty_run.database_url)))
    async with serving(service) as client:
        response = await client.get("/health/ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["migrations"] == "ok"
    assert checks["places"] != "ok"


async def test_answers_are_cached_in_redis(geocoding: GeocodingHarness, test_env: dict[str, str]) -> None:
    prefix = f"{test_env['REDIS_KEY_PREFIX']}geocoding:"
    redis = aioredis.from_url(test_env["REDIS_URL"])
    try:
        await geocoding.client.get("/api/v1/geo/places", params={"q": "Reykjavik"})
        await geocoding.client.get(
            "/api/v1/geo/timezone", params={"lat": 64.1, "lon": -21.9, "local": "2020-01-01T00:00:00"}
        )
        await geocoding.service.cache.flush()  # writes are sent behind the answers
        keys = {
            key.decode().removeprefix(prefix).split(":")[0] async for key in redis.scan_iter(f"{prefix}*")
        }
    finally:
        await redis.aclose()
    assert {"search", "zone"} <= keys


async def test_without_redis_answers_are_still_given(geocoding: GeocodingHarness) -> None:
    settings = GeocodingSettings(redis_url=SecretStr("redis://127.0.0.1:9/0"))
    async with serving(GeocodingService(settings)) as client:
        search = await client.get("/api/v1/geo/places", params={"q": "Lisboa"})
        zone = await client.get(
            "/api/v1/geo/timezone", params={"lat": 38.72, "lon": -9.14, "local": "1990-06-01T12:00:00"}
        )
    assert search.status_code == 200
    assert search.json()["items"][0]["label"] == "Lisbon, Portugal"
    assert zone.status_code == 200
    assert zone.json()["zone"] == "Europe/Lisbon"


async def test_after_its_connections_are_killed_one_request_at_most_fails_with_503(
    geocoding: GeocodingHarness, test_env: dict[str, str]
) -> None:
    """No pre-ping (see settings): a dead connection fails one query as a 503 problem, and the pool is
    replaced, so the next request succeeds."""
    for query in ("Oslo", "Bergen"):  # two pooled connections at least
        assert (await geocoding.client.get("/api/v1/geo/places", params={"q": query})).status_code == 200
    assert geocoding.service.shell.engine is not None
    outsider = create_async_engine(geocoding.service.shell.engine.url, poolclass=NullPool)
    async with outsider.connect() as connection:  # not one of the service's pooled connections
        killed = await connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'geocoding' AND datname = current_database()"
            )
        )
    await outsider.dispose()
    assert killed
    failed = await geocoding.client.get("/api/v1/geo/places", params={"q": "Trondheim"})
    assert failed.status_code == 503
    assert failed.headers["content-type"].startswith("application/problem+json")
    assert failed.json()["code"] == "database_unavailable"
    assert failed.headers["retry-after"] == "1"
    for query in ("Trondheim", "Stavanger", "Tromso"):
        assert (await geocoding.client.get("/api/v1/geo/places", params={"q": query})).status_code == 200
