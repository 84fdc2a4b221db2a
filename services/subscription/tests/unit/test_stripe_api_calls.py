"""The Stripe adapter's API calls, answered by a local stand-in of Stripe's HTTP API (no network)."""

from __future__ import annotations

from uuid import UUID

from nocturna_subscription.infrastructure.stripe_billing import StripeBillingProvider

from services.subscription.tests.stripe_api import LocalStripeApi
from services.subscription.tests.unit.billing_setup import PRO, USER

CHECKOUT = UUID("0190a000-0000-7000-8000-0000000000c1")


def _provider(api: LocalStripeApi) -> StripeBillingProvider:
    return StripeBillingProvider(
        api_key="sk_test_local",
        webhook_secret="whsec_test_local",
        prices={"pro": "price_pro", "business": "price_business"},
        success_url="https://example.com/ok",
        cancel_url="https://example.com/no",
        portal_return_url="https://example.com/account",
        tolerance_seconds=300,
        http_client=api,
    )


async def test_the_portal_link_is_a_billing_portal_session_of_the_customer() -> None:
    api = LocalStripeApi()

    url = await _provider(api).portal_link("cus_123")

    [request] = api.requests
    assert url == "https://billing.stripe.test/p/session/1"
    assert (request.method, request.path) == ("post", "/v1/billing_portal/sessions")
    assert request.form == {"customer": "cus_123", "return_url": "https://example.com/account"}
    assert request.headers["Authorization"] == "Bearer sk_test_local"


async def test_a_checkout_carries_our_idempotency_key_and_a_repeat_gets_the_first_session() -> None:
    api = LocalStripeApi()
    provider = _provider(api)

    first = await provider.create_checkout(
        checkout_id=CHECKOUT, user_id=USER, plan=PRO, customer_id=None, idempotency_key="checkout:u:k"
    )
    again = await provider.create_checkout(
        checkout_id=CHECKOUT, user_id=USER, plan=PRO, customer_id=None, idempotency_key="checkout:u:k"
    )

    assert again == first
    assert [request.headers["Idempotency-Key"] for request in api.requests] == ["checkout:u:k"] * 2
    form = api.requests[0].form
    assert (form["mode"], form["line_items[0][price]"], form["client_reference_id"]) == (
        "subscription",
        "price_pro",
        str(USER),
    )
    assert form["metadata[checkout_id]"] == str(CHECKOUT)
