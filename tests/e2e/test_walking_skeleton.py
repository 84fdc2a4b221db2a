"""One real flow through the gateway: register → event → free subscription → event → chart's projection."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.e2e.clients import eventually_ok
from tests.e2e.fleet import Fleet

pytestmark = pytest.mark.e2e


async def test_a_new_user_gets_the_free_plan_everywhere(fleet: Fleet) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=10) as client:
        registered = await client.post(
            "/api/v1/auth/register", json={"email": email, "password": "correct horse battery"}
        )
        assert registered.status_code == 201, registered.text
        token = await client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": email, "password": "correct horse battery"},
        )
        assert token.status_code == 200, token.text
        access = token.json()["access_token"]

        subscription = await eventually_ok(client, "/api/v1/subscriptions/me", access)
        assert subscription.status_code == 200, subscription.text
        body = subscription.json()
        assert body["plan"]["code"] == "free"
        assert body["status"] == "active"
        assert body["entitlements"]["charts_per_month"] == 10

        projection = await eventually_ok(client, "/api/v1/charts/entitlements", access)
        assert projection.status_code == 200, projection.text
        assert projection.json()["plan_code"] == "free"


async def test_protected_routes_refuse_anonymous_callers_with_a_problem(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=10) as client:
        response = await client.get("/api/v1/subscriptions/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unauthenticated"


async def test_every_replica_is_ready_and_exposes_metrics(fleet: Fleet) -> None:
    assert {service: len(replicas) for service, replicas in fleet.replicas.items()} == {
        "auth": 1,
        "subscription": 2,
        "chart": 2,
        "geocoding": 1,
        "gateway": 2,
    }
    async with httpx.AsyncClient(timeout=10) as client:
        for replica in fleet.instances():
            ready = await client.get(f"{replica.url}/health/ready")
            assert ready.status_code == 200, (replica.name, ready.text)
            metrics = await client.get(f"{replica.url}/metrics")
            assert "http_requests_total" in metrics.text, replica.name
