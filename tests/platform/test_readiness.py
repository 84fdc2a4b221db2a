"""Readiness follows the schema: red while the database is behind the code's migrations, green at head."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from nocturna_geocoding.bootstrap import GeocodingService
from nocturna_geocoding.settings import GeocodingSettings
from nocturna_platform.testing.infrastructure import Infrastructure
from nocturna_platform.testing.plugin import TestRun, isolated_run

pytestmark = pytest.mark.integration


@pytest.fixture
def own_run(infrastructure: Infrastructure) -> Iterator[TestRun]:
    """A database of its own: this test moves the schema, which must not disturb the run's other tests."""
    with isolated_run(infrastructure) as run:
        yield run


async def test_readiness_is_red_until_the_schema_reaches_head(
    test_env: dict[str, str], own_run: TestRun
) -> None:
    service = GeocodingService(GeocodingSettings(database_url=own_run.database_url))
    migrations = service.shell.migrations
    assert migrations is not None
    transport = httpx.ASGITransport(app=service.app)
    async with (
        service.app.router.lifespan_context(service.app),
        httpx.AsyncClient(transport=transport, base_url="http://geocoding.test") as client,
    ):
        behind = await client.get("/health/ready")
        await migrations.upgrade("head")
        at_head = await client.get("/health/ready")
        await migrations.downgrade("base")
        behind_again = await client.get("/health/ready")

    assert behind.status_code == 503
    assert behind.headers["content-type"].startswith("application/problem+json")
    assert behind.json()["checks"]["migrations"] != "ok"
    assert behind.json()["checks"]["database"] == "ok"
    # Geocoding is also unready until its places are seeded (its own check, tested with the service).
    assert {name: state for name, state in at_head.json()["checks"].items() if name != "places"} == {
        "redis": "ok",
        "database": "ok",
        "migrations": "ok",
    }
    assert behind_again.status_code == 503
