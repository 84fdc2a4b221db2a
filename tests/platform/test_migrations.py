"""Every service's Alembic history upgrades, downgrades to base and upgrades again on a real database."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from nocturna_platform.db.migrations import Migrations
from nocturna_platform.testing.plugin import TestRun

pytestmark = pytest.mark.integration

SERVICES = ["auth", "chart", "subscription", "geocoding"]
SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_round_trip(service: str, test_run: TestRun) -> None:
    tables = importlib.import_module(f"nocturna_{service}.infrastructure.tables")
    directory = SERVICES_DIR / service / "migrations"
    url = test_run.database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    migrations = Migrations(directory, tables.SCHEMA, url)

    await migrations.upgrade("head")
    assert await migrations.current() == migrations.head()
    await migrations.downgrade("base")
    assert await migrations.current() is None
    await migrations.upgrade("head")
    assert await migrations.current() == migrations.head()
