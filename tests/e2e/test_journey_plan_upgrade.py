"""Journey 2: a free user uses up the month's charts, upgrades through the sandbox provider's checkout and
webhook, hears of it on the WebSocket, and creates charts (and synastry, a paid feature) again.

Through the gateway only; the test plays the sandbox billing provider posting its signed webhook.
"""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.clients import (
    NATAL,
    create_chart,
    eventually_on_plan,
    sign_in_verified,
    upgrade_through_sandbox_checkout,
)
from tests.e2e.fleet import Fleet
from tests.e2e.sockets import event_socket

pytestmark = pytest.mark.e2e

FREE_CHARTS_PER_MONTH = 10


async def test_the_monthly_limit_is_lifted_by_an_upgrade(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        account = await sign_in_verified(client, fleet.mailbox, "upgrade")
        await eventually_on_plan(client, account, "free")
        async with event_socket(fleet.gateway, account.access) as socket:
            charts = [
                await create_chart(client, account.headers, f"chart {number}")
                for number in range(FREE_CHARTS_PER_MONTH)
            ]
            refused = await client.post(
                "/api/v1/charts", json={**NATAL, "name": "one too many"}, headers=account.headers
            )
            quota_used_up = await socket.wait_for(
                "subscription.quota.threshold_reached.v1", where=lambda data: data["threshold_percent"] == 100
            )

            outcome = await upgrade_through_sandbox_checkout(
                client, account, "pro", fleet.sandbox_webhook_secret
            )
            upgraded = await socket.wait_for(
                "subscription.subscription.changed.v1", where=lambda data: data["plan_code"] == "pro"
            )

        await eventually_on_plan(client, account, "pro")
        again = await create_chart(client, account.headers, "after the upgrade")
        synastry = await client.post(
            "/api/v1/charts/synastry", json={"a": charts[0]["id"], "b": again["id"]}, headers=account.headers
        )
        usage = await client.get("/api/v1/usage/me", headers=account.headers)

    assert refused.status_code == 402, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert (problem["code"], problem["limit"], problem["allowed"]) == (
        "quota_exceeded",
        "charts_per_month",
        10,
    )
    assert "charts_per_month" in problem["detail"]
    assert (quota_used_up["data"]["used"], quota_used_up["data"]["limit"]) == (10, 10)

    assert outcome == "applied"
    assert upgraded["data"]["entitlements"]["charts_per_month"] == 500
    assert upgraded["data"]["status"] == "active"

    assert again["id"] not in {chart["id"] for chart in charts}
    assert synastry.status_code == 200, synastry.text
    assert (synastry.json()["a"]["chart_id"], synastry.json()["b"]["chart_id"]) == (
        charts[0]["id"],
        again["id"],
    )
    assert synastry.json()["aspects"]
    assert usage.json()["charts"]["limit"] == 500
