"""Every route family of the gateway reaches its service; protected ones refuse anonymous callers; another
user's resource is a 404 that passes through from the owning service."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.clients import NATAL, eventually_ok, sign_in
from tests.e2e.fleet import Fleet

pytestmark = pytest.mark.e2e

SIGNED_IN_READS = {
    "auth": "/api/v1/auth/me",
    "charts": "/api/v1/charts",
    "geo": "/api/v1/geo/places?q=Sydney",
    "subscriptions": "/api/v1/subscriptions/me",
    "usage": "/api/v1/usage/me",
}


async def test_every_route_family_reaches_its_service(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=20) as client:
        token = await sign_in(client)
        await eventually_ok(client, "/api/v1/subscriptions/me", token)
        for family, path in SIGNED_IN_READS.items():
            answer = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200, (family, answer.text)
            anonymous = await client.get(path)
            assert anonymous.status_code == 401, family
            assert anonymous.headers["content-type"].startswith("application/problem+json")
        plans = await client.get("/api/v1/plans")
        assert plans.status_code == 200
        assert {plan["code"] for plan in plans.json()["items"]} >= {"free", "pro", "business"}
        webhook = await client.post(
            "/api/v1/billing/webhooks/sandbox", content=b"{}", headers={"Content-Type": "application/json"}
        )
        assert webhook.status_code == 400, webhook.text  # reached subscription, which checked the signature
        assert webhook.json()["code"] != "unauthenticated"


async def test_another_users_chart_is_a_404_from_the_chart_service(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=20) as client:
        ada, bob = await sign_in(client), await sign_in(client)
        await eventually_ok(client, "/api/v1/charts/entitlements", ada)
        created = await client.post("/api/v1/charts", json=NATAL, headers={"Authorization": f"Bearer {ada}"})
        assert created.status_code == 201, created.text
        chart = f"/api/v1/charts/{created.json()['id']}"

        assert (await client.get(chart, headers={"Authorization": f"Bearer {ada}"})).status_code == 200
        stranger = await client.get(chart, headers={"Authorization": f"Bearer {bob}"})
        assert stranger.status_code == 404
        assert stranger.headers["content-type"].startswith("application/problem+json")
