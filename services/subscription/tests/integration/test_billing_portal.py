"""The customer portal route: a provider link once a checkout completed, a problem before."""

from __future__ import annotations

from urllib.parse import urlsplit

from services.subscription.tests.conftest import SubscriptionHarness
from services.subscription.tests.integration.test_billing import _upgraded

PORTAL = "/api/v1/subscriptions/me/portal"


async def test_a_user_without_a_billing_account_gets_a_problem(subscription: SubscriptionHarness) -> None:
    user_id = await subscription.registered_user()

    answer = await subscription.post(PORTAL, user_id)

    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "no_billing_customer"


async def test_a_paying_user_gets_the_sandbox_portal_of_their_customer(
    subscription: SubscriptionHarness,
) -> None:
    user_id = await _upgraded(subscription, "pro")

    answer = await subscription.post(PORTAL, user_id)
    path = urlsplit(answer.json()["url"]).path
    page = await subscription.get(path, user_id)
    stranger = await subscription.get(path, await subscription.registered_user())

    assert answer.status_code == 200
    assert path == f"/api/v1/billing/sandbox/portal/cus_sandbox_{user_id.hex}"
    assert page.status_code == 200
    assert page.json()["customer"] == {
        "id": f"cus_sandbox_{user_id.hex}",
        "email": "payer@example.com",
        "country": "FR",
    }
    assert page.json()["subscription"]["plan"]["code"] == "pro"
    assert stranger.status_code == 404


async def test_the_portal_needs_a_signed_in_user(subscription: SubscriptionHarness) -> None:
    answer = await subscription.client.post(PORTAL)

    assert answer.status_code == 401
