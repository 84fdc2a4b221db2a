from __future__ import annotations

from datetime import UTC, datetime

from nocturna_contracts.auth.v1 import UserDeleted
from nocturna_contracts.chart.v1 import ChartCalculated
from nocturna_platform.ids import uuid7

from services.subscription.tests.conftest import SubscriptionHarness, eventually
from services.subscription.tests.integration.test_billing import _changes, _me, _upgraded
from services.subscription.tests.integration.test_plans import ENTITLEMENTS

ADMIN = ("admin",)


async def test_an_admin_grants_a_plan_searches_and_reads_usage(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()
    admin_id = uuid7()
    await subscription.publish(
        ChartCalculated(
            calculation_id=uuid7(), user_id=user_id, engine="swisseph", calculated_at=datetime.now(UTC)
        )
    )

    granted = await subscription.client.put(
        f"/api/v1/admin/users/{user_id}/subscription",
        json={"plan": "business"},
        headers=subscription.token(admin_id, ADMIN),
    )
    await subscription.publish(
        ChartCalculated(
            calculation_id=uuid7(), user_id=user_id, engine="swisseph", calculated_at=datetime.now(UTC)
        )
    )
    found = await subscription.get(f"/api/v1/admin/subscriptions?q={str(user_id)[:30]}", admin_id, ADMIN)
    usage = await eventually(
        lambda: subscription.get(f"/api/v1/admin/users/{user_id}/usage", admin_id, ADMIN),
        lambda r: r.json()["charts"]["used"] == 1,
    )
    forbidden = await subscription.get(f"/api/v1/admin/users/{user_id}/usage", user_id)

    assert granted.status_code == 200
    assert (granted.json()["plan"]["code"], granted.json()["version"]) == ("business", 2)
    assert [item["user_id"] for item in found.json()["items"]] == [str(user_id)]
    assert usage.json()["charts"] == {"used": 1, "limit": None}
    assert forbidden.status_code == 403
    assert [c["plan_code"] for c in await _changes(subscription, user_id)] == ["free", "business"]


async def test_admin_search_pages_with_a_cursor(subscription: SubscriptionHarness) -> None:
    admin_id = uuid7()
    for _ in range(3):
        await subscription.registered_user()

    first = (await subscription.get("/api/v1/admin/subscriptions?limit=2", admin_id, ADMIN)).json()
    second = (
        await subscription.get(
            f"/api/v1/admin/subscriptions?limit=2&cursor={first['next_cursor']}", admin_id, ADMIN
        )
    ).json()

    assert len(first["items"]) == 2
    assert first["next_cursor"] is not None
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})


async def test_a_retired_plan_keeps_its_subscribers(subscription: SubscriptionHarness) -> None:
    admin = subscription.token(uuid7(), ADMIN)
    code = f"legacy-{uuid7().hex[-6:]}"
    plan = {
        "code": code,
        "name": "Legacy",
        "price": {"amount_minor": 500, "currency": "EUR", "interval": "month"},
        "entitlements": ENTITLEMENTS,
    }
    await subscription.client.post("/api/v1/admin/plans", json=plan, headers=admin)
    user_id = await subscription.registered_user()
    await subscription.client.put(
        f"/api/v1/admin/users/{user_id}/subscription", json={"plan": code}, headers=admin
    )

    await subscription.client.post(f"/api/v1/admin/plans/{code}/retire", headers=admin)

    me = await _me(subscription, user_id)
    assert (me["plan"]["code"], me["entitlements"]["charts_per_month"]) == (code, 50)
    other = await subscription.registered_user()
    refused = await subscription.post("/api/v1/subscriptions/me/checkout", other, {"plan": code})
    assert refused.status_code == 409


async def test_a_deleted_account_is_canceled_and_its_billing_info_erased(
    subscription: SubscriptionHarness,
) -> None:
    user_id = await _upgraded(subscription)
    deleted = UserDeleted(user_id=user_id, deleted_at=datetime.now(UTC))

    event_id = await subscription.publish(deleted)
    await subscription.publish(deleted, event_id)
    await subscription.publish(UserDeleted(user_id=user_id, deleted_at=datetime.now(UTC)))  # another event id

    me = await eventually(lambda: _me(subscription, user_id), lambda body: body["status"] == "canceled")
    assert me["status"] == "canceled"
    changes = await eventually(
        lambda: _changes(subscription, user_id), lambda found: len(found) == 3, timeout=5
    )
    assert [(c["status"], c["version"]) for c in changes] == [("active", 1), ("active", 2), ("canceled", 3)]
    assert (
        await subscription.sql("SELECT 1 FROM subscription.billing_customers WHERE user_id = :u", u=user_id)
        == []
    )
    [webhook] = await subscription.sql(
        "SELECT payload, outcome FROM subscription.billing_webhooks WHERE user_id = :u", u=user_id
    )
    assert (webhook.payload, webhook.outcome) == (None, "applied")
