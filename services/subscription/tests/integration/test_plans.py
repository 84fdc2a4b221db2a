from __future__ import annotations

from nocturna_platform.ids import uuid7

from services.subscription.tests.conftest import SubscriptionHarness

ENTITLEMENTS = {
    "charts_per_month": 50,
    "saved_charts": 100,
    "synastry": True,
    "transits": True,
    "api_keys": 1,
    "rate_limit_per_minute": 120,
    "batch": False,
}


async def test_the_catalogue_has_the_fixed_shape(subscription: SubscriptionHarness) -> None:
    response = await subscription.client.get("/api/v1/plans")

    assert response.status_code == 200
    items = [item for item in response.json()["items"] if item["code"] in {"free", "pro", "business"}]
    assert [item["code"] for item in items] == ["free", "pro", "business"]
    assert items[1] == {
        "code": "pro",
        "name": "Pro",
        "price": {"amount_minor": 900, "currency": "EUR", "interval": "month"},
        "entitlements": {
            "charts_per_month": 500,
            "saved_charts": 1000,
            "synastry": True,
            "transits": True,
            "api_keys": 2,
            "rate_limit_per_minute": 300,
            "batch": False,
        },
    }


async def test_my_subscription_has_the_fixed_shape(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    body = (await subscription.get("/api/v1/subscriptions/me", user_id)).json()

    assert set(body) == {"plan", "status", "current_period", "cancel_at_period_end", "entitlements"}
    assert body["plan"] == {"code": "free", "name": "Free"}
    assert (body["status"], body["cancel_at_period_end"]) == ("active", False)
    assert set(body["current_period"]) == {"start", "end"}
    assert body["entitlements"]["charts_per_month"] == 10


async def test_an_admin_adds_and_retires_a_plan(subscription: SubscriptionHarness) -> None:
    admin = subscription.token(uuid7(), roles=("admin",))
    code = f"starter-{uuid7().hex[-6:]}"
    plan = {
        "code": code,
        "name": "Starter",
        "price": {"amount_minor": 300, "currency": "EUR", "interval": "month"},
        "entitlements": ENTITLEMENTS,
    }

    added = await subscription.client.post("/api/v1/admin/plans", json=plan, headers=admin)
    again = await subscription.client.post("/api/v1/admin/plans", json=plan, headers=admin)
    listed = (await subscription.client.get("/api/v1/plans")).json()["items"]
    retired = await subscription.client.post(f"/api/v1/admin/plans/{code}/retire", headers=admin)
    after = (await subscription.client.get("/api/v1/plans")).json()["items"]

    assert (added.status_code, again.status_code, retired.status_code) == (201, 409, 204)
    assert added.json() == plan
    assert code in [item["code"] for item in listed]
    assert code not in [item["code"] for item in after]


async def test_plan_admin_needs_the_admin_role(subscription: SubscriptionHarness) -> None:
    user = subscription.token(uuid7())

    response = await subscription.client.post("/api/v1/admin/plans/pro/retire", headers=user)

    assert response.status_code == 403


async def test_the_free_plan_cannot_be_retired(subscription: SubscriptionHarness) -> None:
    admin = subscription.token(uuid7(), roles=("admin",))

    response = await subscription.client.post("/api/v1/admin/plans/free/retire", headers=admin)

    assert response.status_code == 409
