"""The per-service Postgres roles of files/postgres-roles.sql (used by docker-compose and the chart's hook Job):
each service migrates its schema as its own role, and a role cannot read another service's schema."""

from __future__ import annotations

import importlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from nocturna_platform.db.migrations import Migrations
from nocturna_platform.testing.infrastructure import Infrastructure, libpq_url, run_sync
from nocturna_platform.testing.isolated_run import TestRun, isolated_run

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ROLES_SQL = ROOT / "deploy" / "helm" / "nocturna" / "files" / "postgres-roles.sql"
SERVICES = ("auth", "subscription", "chart", "geocoding")


def _as_user(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


async def _drop_roles(admin_url: str, prefix: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        for service in SERVICES:
            await connection.execute(f'DROP ROLE IF EXISTS "{prefix}{service}"')
    finally:
        await connection.close()


@pytest.fixture
def roles_run(infrastructure: Infrastructure) -> Iterator[tuple[TestRun, str]]:
    """A fresh database with the roles made by the SQL file (twice: it must be idempotent)."""
    psql = shutil.which("psql")
    assert psql is not None, "psql (PostgreSQL's client) is needed to run postgres-roles.sql"
    admin = libpq_url(infrastructure.database_url)
    prefix = ""
    try:
        with isolated_run(infrastructure, label="roles") as run:
            prefix = f"r{run.run_id}_"
            passwords = [f"--set={service}_password=pw-{run.run_id}" for service in SERVICES]
            for _ in range(2):
                subprocess.run(
                    [psql, libpq_url(run.database_url), "--no-psqlrc", "--quiet", f"--set=role_prefix={prefix}",
                     *passwords, f"--file={ROLES_SQL}"],
                    check=True, capture_output=True, text=True, timeout=60,
                )  # fmt: skip
            yield run, prefix
    finally:
        # The roles own objects in the run's database, which isolated_run dropped on leaving.
        if prefix:
            run_sync(lambda: _drop_roles(admin, prefix))


async def test_each_service_migrates_as_its_own_role_and_sees_only_its_schema(
    roles_run: tuple[TestRun, str],
) -> None:
    run, prefix = roles_run
    password = f"pw-{run.run_id}"
    for service in SERVICES:
        url = _as_user(libpq_url(run.database_url), f"{prefix}{service}", password)
        tables = importlib.import_module(f"nocturna_{service}.infrastructure.tables")
        directory = ROOT / "services" / service / "migrations"
        migrations = Migrations(
            directory, tables.SCHEMA, url.replace("postgresql://", "postgresql+asyncpg://", 1)
        )
        await migrations.upgrade("head")
        assert await migrations.current() == migrations.head()

    chart = await asyncpg.connect(_as_user(libpq_url(run.database_url), f"{prefix}chart", password))
    try:
        owners = await chart.fetch("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'chart'")
        assert [row["tableowner"] for row in owners] == [f"{prefix}chart"]
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await chart.fetch("SELECT * FROM auth.alembic_version")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await chart.execute("CREATE SCHEMA elsewhere")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await chart.execute("CREATE TABLE public.stray (id int)")
    finally:
        await chart.close()
