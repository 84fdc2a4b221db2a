"""`make run` gives the dev fleet's gateway a service client: created on first start, reused while auth knows it
(enabled), created anew once auth forgets or disables it (scripts/gateway-client.sh)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest
from nocturna_platform.testing.plugin import TestRun
from nocturna_platform.testing.service_processes import migrate

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gateway-client.sh"


def _run(test_run: TestRun, file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGE_AUTH__")}
    env |= test_run.env(NOCTURNA_GATEWAY_CLIENT_FILE=str(file), **extra)
    done = subprocess.run([str(SCRIPT)], env=env, check=True, capture_output=True, text=True, timeout=120)
    exports = [line.removeprefix("export ") for line in done.stdout.splitlines()]
    return {name: value.strip("'") for name, _, value in (line.partition("=") for line in exports)}


async def _enabled_clients(test_run: TestRun, client_id: str) -> int:
    connection = await asyncpg.connect(test_run.database_url)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM auth.service_clients WHERE id = $1 AND disabled_at IS NULL", UUID(client_id)
        )
        return count
    finally:
        await connection.close()


async def _disable(test_run: TestRun, client_id: str) -> None:
    connection = await asyncpg.connect(test_run.database_url)
    try:
        await connection.execute(
            "UPDATE auth.service_clients SET disabled_at = now() WHERE id = $1", UUID(client_id)
        )
    finally:
        await connection.close()


async def test_the_gateway_client_is_created_once_and_recreated_when_auth_no_longer_knows_it(
    test_run: TestRun, tmp_path: Path
) -> None:
    migrate(["auth"], test_run.env(), cwd=ROOT)
    file = tmp_path / "nested" / "gateway-client.env"

    first = _run(test_run, file)
    assert set(first) == {"EDGE_AUTH__SERVICE_CLIENT_ID", "EDGE_AUTH__SERVICE_CLIENT_SECRET"}
    assert len(first["EDGE_AUTH__SERVICE_CLIENT_SECRET"]) >= 32
    assert await _enabled_clients(test_run, first["EDGE_AUTH__SERVICE_CLIENT_ID"]) == 1
    assert file.stat().st_mode & 0o777 == 0o600

    assert _run(test_run, file) == first

    await _disable(test_run, first["EDGE_AUTH__SERVICE_CLIENT_ID"])
    renewed = _run(test_run, file)
    assert renewed["EDGE_AUTH__SERVICE_CLIENT_ID"] != first["EDGE_AUTH__SERVICE_CLIENT_ID"]
    assert await _enabled_clients(test_run, renewed["EDGE_AUTH__SERVICE_CLIENT_ID"]) == 1
    assert _run(test_run, file) == renewed


def test_credentials_from_the_environment_win(test_run: TestRun, tmp_path: Path) -> None:
    file = tmp_path / "gateway-client.env"
    assert _run(test_run, file, EDGE_AUTH__SERVICE_CLIENT_ID="given") == {}
    assert not file.exists()
