"""Fuzzing the gateway's merged OpenAPI with Schemathesis: the principal it fuzzes as, and the run itself.

The principal is an admin (admin routes are fuzzed past their 403) on the business plan (every entitlement,
and a rate limit of 1,200/min instead of the free plan's 60, so the gateway answers the fuzzer rather than
refusing it). Schemathesis runs as its own command line (`st run`, configured by `schemathesis.toml` and
`fuzz_hooks.py` beside this file): its pytest integration cannot load a schema from a fixture under our pytest.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.clients import PASSWORD, password_grant
from tests.e2e.fleet import ROOT, Fleet

FUZZ_PLAN = "business"
FUZZ_PLAN_RATE_LIMIT = "1200"
CONFIG = Path(__file__).with_name("schemathesis.toml")
SERVICE_PATHS = ("/api/v1/auth/", "/api/v1/charts", "/api/v1/geo/", "/api/v1/plans", "/api/v1/subscriptions")


@dataclass(frozen=True)
class FuzzRun:
    """How much to fuzz. Deterministic (`make test`): the same cases every run, so CI failures reproduce;
    otherwise random from `seed` (None: a new one, printed in the report, as `make fuzz` does)."""

    max_examples: int
    deterministic: bool
    seed: int | None = None
    workers: int = 1


async def fuzz(fleet: Fleet, run: FuzzRun, reports: Path) -> subprocess.CompletedProcess[str]:
    """Run Schemathesis over every operation of the merged document; its report is in the result's output."""
    await _documents_every_service(fleet.gateway)
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "NOCTURNA_FUZZ_GATEWAY": fleet.gateway,
            "NOCTURNA_FUZZ_TOKEN": await _business_admin(client, fleet),
            "NOCTURNA_FUZZ_SERVICE_TOKEN": await _service_client_token(client, fleet.env),
        }
    command = [
        str(Path(sys.executable).with_name("st")),
        "--no-color",
        f"--config-file={CONFIG}",
        "run",
        f"{fleet.gateway}/api/v1/openapi.json",
        f"--url={fleet.gateway}",
        f"--max-examples={run.max_examples}",
        f"--workers={run.workers}",
        "--report=junit",
        f"--report-dir={reports}",
        "--output-truncate=false",
        *(["--generation-deterministic"] if run.deterministic else []),
        *([f"--seed={run.seed}"] if run.seed is not None else []),
    ]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )


async def _documents_every_service(gateway: str) -> None:
    """The gateway refetches a service's document every 2 s until it has it: fuzz only the whole API."""
    async with httpx.AsyncClient(base_url=gateway, timeout=10) as client, asyncio.timeout(30):
        while True:
            paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
            if all(any(path.startswith(prefix) for path in paths) for prefix in SERVICE_PATHS):
                return
            await asyncio.sleep(0.5)


async def _business_admin(client: httpx.AsyncClient, fleet: Fleet) -> str:
    """A new admin (created as an operator would) who paid for the business plan; its access token."""
    email = await asyncio.to_thread(fleet.create_admin, "fuzz-admin", PASSWORD)
    token = await password_grant(client, email)
    bearer = {"Authorization": f"Bearer {token}"}
    async with asyncio.timeout(30):
        # The free subscription and the verified email reach subscription as events, a moment after sign-in.
        while (
            checkout := await client.post(
                "/api/v1/subscriptions/me/checkout", json={"plan": FUZZ_PLAN}, headers=bearer
            )
        ).status_code != 201:
            assert checkout.status_code in {403, 404}, checkout.text
            await asyncio.sleep(0.2)
        checkout_id = checkout.json()["url"].rstrip("/").rsplit("/", 1)[-1]
        paid = await client.post(
            f"/api/v1/billing/sandbox/checkouts/{checkout_id}", json={"outcome": "complete"}, headers=bearer
        )
        assert paid.status_code == 200, paid.text
        # The plan's rate limit reaches the gateway as an event too: fuzz only once it is in force.
        while (await client.get("/api/v1/subscriptions/me", headers=bearer)).headers.get(
            "ratelimit-limit"
        ) != FUZZ_PLAN_RATE_LIMIT:
            await asyncio.sleep(0.2)
    return token


async def _service_client_token(client: httpx.AsyncClient, env: Mapping[str, str]) -> str:
    """The gateway's own service client (the fleet registers it), the only caller introspection accepts."""
    granted = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": env["EDGE_AUTH__SERVICE_CLIENT_ID"],
            "client_secret": env["EDGE_AUTH__SERVICE_CLIENT_SECRET"],
        },
    )
    assert granted.status_code == 200, granted.text
    token: str = granted.json()["access_token"]
    return token
