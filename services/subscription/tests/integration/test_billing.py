from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from nocturna_platform.ids import uuid7
from nocturna_subscription.infrastructure.sandbox_billing import sign
from nocturna_subscription.settings import DEVELOPMENT_SANDBOX_SECRET

from services.subscription.tests.conftest import SubscriptionHarness

WEBHOOK = "/api/v1/billing/webhooks/sandbox"


def _webhook(
    user_id: UUID,
    plan: str,
    created: datetime,
    *,
    secret: str = DEVELOPMENT_SANDBOX_SECRET,
    cancel: bool = False,
) -> tuple[bytes, dict[str, str]]:
    event = {
        "id": f"evt_{uuid7().hex}",
        "type": "subscription.updated",
        "created": created.isoformat(),
        "data": {
            "user_id": str(user_id),
            "plan": plan,
            "status": "active",
            "period_start": created.isoformat(),
            "period_end": (created + timedelta(days=30)).isoformat(),
            "cancel_at_period_end": cancel,
            "subscription_id": f"sub_{user_id.hex}",
        },
    }
    payload = json.dumps(event).encode()
    return payload, {"Sandbox-Signature": sign(payload, secret, int(datetime.now(UTC).timestamp()))}


async def _deliver(
    subscription: SubscriptionHarness, webhook: tuple[bytes, dict[str, str]]
) -> httpx.Response:
    payload, headers = webhook
    return await subscription.client.post(WEBHOOK, content=payload, headers=headers)


async def _changes(subscription: SubscriptionHarness, user_id: UUID) -> list[dict[str, Any]]:
    rows = await subscription.sql(
        "SELECT body FROM subscription.outbox WHERE event_type = 'subscription.subscription.changed.v1'"
    )
    bodies = [json.loads(row.body)["payload"] for row in rows]
    return sorted((b for b in bodies if b["user_id"] == str(user_id)), key=lambda b: b["version"])


async def _me(subscription: SubscriptionHarness, user_id: UUID) -> dict[str, Any]:
    body: dict[str, Any] = (await subscription.get("/api/v1/subscriptions/me", user_id)).json()
    return body


async def _upgraded(subscription: SubscriptionHarness, plan: str = "pro") -> UUID:
    user_id = await subscription.registered_user()
    session = await subscription.post("/api/v1/subscriptions/me/checkout", user_id, {"plan": plan})
    assert session.status_code == 201, session.text
    checkout_id = session.json()["url"].rsplit("/", 1)[1]
    paid = await subscription.post(
        f"/api/v1/billing/sandbox/checkouts/{checkout_id}",
        user_id,
        {"outcome": "complete", "email": "payer@example.com", "country": "FR"},
    )
    assert paid.json() == {"outcome": "applied"}
    return user_id


async def test_checkout_then_sandbox_payment_upgrades_at_once(subscription: SubscriptionHarness) -> None:
    user_id = await _upgraded(subscription)

    me = await _me(subscription, user_id)
    changes = await _changes(subscription, user_id)
    [customer] = await subscription.sql(
        "SELECT key_id, ciphertext FROM subscription.billing_customers WHERE user_id = :u", u=user_id
    )

    assert (me["plan"]["code"], me["status"], me["entitlements"]["charts_per_month"]) == (
        "pro",
        "active",
        500,
    )
    assert [(c["plan_code"], c["version"]) for c in changes] == [("free", 1), ("pro", 2)]
    assert changes[1]["entitlements"]["synastry"] is True
    assert customer.key_id == "dev"
    assert b"payer@example.com" not in customer.ciphertext
    assert b"FR" not in customer.ciphertext


async def test_a_failed_payment_changes_nothing(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()
    session = await subscription.post("/api/v1/subscriptions/me/checkout", user_id, {"plan": "business"})
    checkout_id = session.json()["url"].rsplit("/", 1)[1]

    failed = await subscription.post(
        f"/api/v1/billing/sandbox/checkouts/{checkout_id}", user_id, {"outcome": "fail"}
    )

    assert failed.json() == {"outcome": "checkout_failed"}
    assert (await _me(subscription, user_id))["plan"]["code"] == "free"


async def test_paid_checkout_needs_a_verified_email(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user(email_verified=False)

    response = await subscription.post("/api/v1/subscriptions/me/checkout", user_id, {"plan": "pro"})

    assert response.status_code == 403
    assert response.json()["code"] == "email_not_verified"


async def test_checkout_is_for_upgrades_only(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    response = await subscription.post("/api/v1/subscriptions/me/checkout", user_id, {"plan": "free"})

    assert response.status_code == 409


@pytest.mark.parametrize("plan", ["pro\x00", "", "Pro", "p" * 41])
async def test_a_plan_code_of_the_wrong_shape_is_refused_before_any_lookup(
    subscription: SubscriptionHarness, plan: str
) -> None:
    """Found by fuzzing: a NUL byte in the plan code reached Postgres, which refused it: a 500."""
    user_id = await subscription.registered_user()

    for path in ("/api/v1/subscriptions/me/checkout", "/api/v1/subscriptions/me/downgrade"):
        response = await subscription.post(path, user_id, {"plan": plan})

        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "plan"


async def test_the_same_webhook_twice_makes_one_transition(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()
    webhook = _webhook(user_id, "business", datetime.now(UTC))

    first = await _deliver(subscription, webhook)
    second = await _deliver(subscription, webhook)

    assert (first.json(), second.json()) == ({"outcome": "applied"}, {"outcome": "duplicate"})
    assert [c["plan_code"] for c in await _changes(subscription, user_id)] == ["free", "business"]
    [stored] = await subscription.sql(
        "SELECT count(*) AS n FROM subscription.billing_webhooks WHERE user_id = :u", u=user_id
    )
    assert stored.n == 1


async def test_webhooks_in_reverse_order_never_move_backwards(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()
    now = datetime.now(UTC)
    older = _webhook(user_id, "pro", now - timedelta(seconds=5))
    newer = _webhook(user_id, "business", now)

    applied = await _deliver(subscription, newer)
    stale = await _deliver(subscription, older)

    assert (applied.json(), stale.json()) == ({"outcome": "applied"}, {"outcome": "stale"})
    assert (await _me(subscription, user_id))["plan"]["code"] == "business"
    assert [(c["plan_code"], c["version"]) for c in await _changes(subscription, user_id)] == [
        ("free", 1),
        ("business", 2),
    ]


async def test_a_forged_signature_changes_nothing(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()
    payload, headers = _webhook(user_id, "business", datetime.now(UTC), secret="whsec_forged")
    unsigned, _ = _webhook(user_id, "business", datetime.now(UTC))

    forged = await subscription.client.post(WEBHOOK, content=payload, headers=headers)
    missing = await subscription.client.post(WEBHOOK, content=unsigned)

    assert (forged.status_code, missing.status_code) == (400, 400)
    assert forged.json()["code"] == "invalid_signature"
    assert (await _me(subscription, user_id))["plan"]["code"] == "free"
    assert (
        await subscription.sql(
            "SELECT 1 FROM subscription.billing_webhooks WHERE payload LIKE :p", p=f"%{user_id}%"
        )
        == []
    )


async def test_a_replayed_old_signature_is_refused(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()
    payload, _ = _webhook(user_id, "business", datetime.now(UTC))
    old = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())

    response = await subscription.client.post(
        WEBHOOK,
        content=payload,
        headers={"Sandbox-Signature": sign(payload, DEVELOPMENT_SANDBOX_SECRET, old)},
    )

    assert response.status_code == 400


async def test_cancel_takes_effect_at_period_end(subscription: SubscriptionHarness) -> None:
    user_id = await _upgraded(subscription)
    admin_id = uuid7()

    canceled = await subscription.post("/api/v1/subscriptions/me/cancel", user_id)
    again = await subscription.post("/api/v1/subscriptions/me/cancel", user_id)
    still = await _me(subscription, user_id)
    ended = await subscription.post(
        f"/api/v1/admin/billing/sandbox/users/{user_id}/period-end", admin_id, roles=("admin",)
    )
    after = await _me(subscription, user_id)

    assert canceled.status_code == 200
    assert (still["plan"]["code"], still["cancel_at_period_end"]) == ("pro", True)
    assert again.json()["cancel_at_period_end"] is True
    assert ended.json() == {"outcome": "applied"}
    assert (after["plan"]["code"], after["cancel_at_period_end"]) == ("free", False)
    assert after["current_period"]["start"] == still["current_period"]["end"]
    assert [c["version"] for c in await _changes(subscription, user_id)] == [1, 2, 3, 4]


async def test_downgrade_takes_effect_at_period_end(subscription: SubscriptionHarness) -> None:
    user_id = await _upgraded(subscription, "business")

    downgraded = await subscription.post("/api/v1/subscriptions/me/downgrade", user_id, {"plan": "pro"})
    upward = await subscription.post("/api/v1/subscriptions/me/downgrade", user_id, {"plan": "business"})
    await subscription.post(
        f"/api/v1/admin/billing/sandbox/users/{user_id}/period-end", uuid7(), roles=("admin",)
    )

    assert downgraded.json()["plan"]["code"] == "business"
    assert upward.status_code == 409
    assert (await _me(subscription, user_id))["plan"]["code"] == "pro"


async def test_free_users_have_nothing_to_cancel(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    response = await subscription.post("/api/v1/subscriptions/me/cancel", user_id)

    assert response.status_code == 409
