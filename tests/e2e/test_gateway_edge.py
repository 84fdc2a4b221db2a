"""The gateway's edge in front of the real fleet: merged OpenAPI of every service, limit and security headers."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.fleet import Fleet

pytestmark = pytest.mark.e2e

SERVICE_PATHS = ("/api/v1/auth/", "/api/v1/charts", "/api/v1/geo/", "/api/v1/plans")


def documents_every_service(paths: list[str]) -> bool:
    return all(any(path.startswith(prefix) for path in paths) for prefix in SERVICE_PATHS)


async def test_the_merged_openapi_documents_every_service(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=10) as client, asyncio.timeout(15):
        # The gateway may have started before the services: it refetches the missing ones every 2 s.
        while not documents_every_service(
            list((answer := await client.get("/api/v1/openapi.json")).json()["paths"])
        ):
            await asyncio.sleep(0.5)
        docs = await client.get("/docs")
    assert answer.status_code == 200
    assert "ProblemDetail" in answer.json()["components"]["schemas"]
    assert docs.status_code == 200
    assert "swagger-ui-bundle.js" in docs.text


async def test_answers_carry_rate_limit_and_security_headers(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=10) as client:
        answer = await client.get("/api/v1/plans")
    assert answer.status_code == 200
    assert int(answer.headers["ratelimit-limit"]) > 0
    assert "ratelimit-remaining" in answer.headers
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
