"""The gateway's edge in front of the real fleet: merged OpenAPI of every service, limit and security headers."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.fleet import Fleet

pytestmark = pytest.mark.e2e

SERVICE_PATHS = ("/api/v1/auth/", "/api/v1/charts", "/api/v1/geo/", "/api/v1/plans")


async def test_the_merged_openapi_documents_every_service(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=10) as client:
        answer = await client.get("/api/v1/openapi.json")
        docs = await client.get("/docs")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    for prefix in SERVICE_PATHS:
        assert any(path.startswith(prefix) for path in paths), prefix
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
