"""Readiness follows the schema: red while the database is behind the code's migrations, green at head."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from nocturna_geocoding.bootstrap import GeocodingService
from nocturna_geocoding.settings import GeocodingSettings
from nocturna_platform.testing.infrastructure import libpq_url, with_database
from nocturna_platform.testing.plugin import TestRun

pytestmark = pytest.mark.integration


@pytest.fixture
async def empty_database(test_run: TestRun) -> AsyncIterator[str]:
    """A database of its own: this test moves the schema, which must not disturb the run's other tests."""
    name = f"nocturna_test_{test_run.run_id}_ready_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(libpq_url(test_run.database_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield with_database(test_run.database_url, name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_readiness_is_red_until_the_schema_reaches_head(
    test_env: dict[str, str], empty_database: str
) -> None:
    service = GeocodingService(GeocodingSettings(database_url=empty_database))
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
    assert at_head.status_code == 200
    assert at_head.json()["checks"]["migrations"] == "ok"
    assert behind_again.status_code == 503
