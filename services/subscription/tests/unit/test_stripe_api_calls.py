"""The Stripe adapter's API calls, answered by a local stand-in of Stripe's HTTP API (no network)."""

from __future__ import annotations

from nocturna_subscription.infrastructure.stripe_billing import StripeBillingProvider

from services.subscription.tests.stripe_api import LocalStripeApi


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
