"""One contract for every `BillingProvider`: the sandbox, Stripe (its HTTP API answered locally) and the fake."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
import stripe
from nocturna_subscription.domain.billing import (
    BillingEvent,
    BillingInfo,
    BillingProvider,
    InvalidWebhookSignature,
    ProviderState,
)
from nocturna_subscription.infrastructure.sandbox_billing import SandboxBillingProvider
from nocturna_subscription.infrastructure.stripe_billing import StripeBillingProvider

from services.subscription.tests.billing_fakes import FakeBillingProvider
from services.subscription.tests.stripe_api import LocalStripeApi
from services.subscription.tests.unit.billing_setup import PRO, USER

CHECKOUT = UUID("0190a000-0000-7000-8000-0000000000c1")
OTHER_CHECKOUT = UUID("0190a000-0000-7000-8000-0000000000c2")
STRIPE_SECRET = "whsec_contract"
SANDBOX_SECRET = "whsec_sandbox_contract"

Webhook = tuple[bytes, dict[str, str]]


@dataclass
class Candidate:
    provider: BillingProvider
    completed_checkout: Callable[[str, datetime], Webhook]
    """A signed webhook, in the provider's own wire format, saying the user paid checkout `CHECKOUT`."""


def _sandbox() -> Candidate:
    provider = SandboxBillingProvider(SANDBOX_SECRET, "http://127.0.0.1:8000", 300)

    def completed(customer_id: str, now: datetime) -> Webhook:
        event = {
            "id": "evt_sandbox_1",
            "type": "checkout.completed",
            "created": now.isoformat(),
            "data": {
                "user_id": str(USER),
                "checkout_id": str(CHECKOUT),
                "plan": "pro",
                "status": "active",
                "period_start": now.isoformat(),
                "period_end": (now + timedelta(days=30)).isoformat(),
                "cancel_at_period_end": False,
                "subscription_id": "sub_1",
                "customer": {"id": customer_id, "email": "payer@example.com", "country": "FR"},
            },
        }
        return provider.signed(event, now)

    return Candidate(provider, completed)


def _stripe() -> Candidate:
    provider = StripeBillingProvider(
        api_key="sk_test_local",
        webhook_secret=STRIPE_SECRET,
        prices={"pro": "price_pro"},
        success_url="https://example.com/ok",
        cancel_url="https://example.com/no",
        portal_return_url="https://example.com/account",
        tolerance_seconds=300,
        http_client=LocalStripeApi(),
    )

    def completed(customer_id: str, now: datetime) -> Webhook:
        metadata = {"user_id": str(USER), "plan": "pro", "checkout_id": str(CHECKOUT)}
        event = {
            "id": "evt_stripe_1",
            "object": "event",
            "type": "checkout.session.completed",
            "created": int(now.timestamp()),
            "data": {
                "object": {
                    "object": "checkout.session",
                    "client_reference_id": str(USER),
                    "metadata": metadata,
                    "customer": customer_id,
                    "subscription": "sub_1",
                    "customer_details": {"email": "payer@example.com", "address": {"country": "FR"}},
                }
            },
        }
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(payload, STRIPE_SECRET, int(time.time()))
        return payload.encode(), {"stripe-signature": header}

    return Candidate(provider, completed)


def _fake() -> Candidate:
    provider = FakeBillingProvider()

    def completed(customer_id: str, now: datetime) -> Webhook:
        state = ProviderState("pro", "active", now, now + timedelta(days=30), False, "sub_1")
        info = BillingInfo(provider.name, customer_id, "payer@example.com", "FR")
        return provider.webhook(
            BillingEvent(provider.name, "evt_fake_1", "checkout_completed", now, USER, CHECKOUT, state, info)
        )

    return Candidate(provider, completed)


@pytest.fixture(params=[_sandbox, _stripe, _fake], ids=["sandbox", "stripe", "fake"])
def candidate(request: pytest.FixtureRequest) -> Candidate:
    make: Callable[[], Candidate] = request.param
    return make()


async def test_a_repeated_idempotency_key_answers_the_first_session(candidate: Candidate) -> None:
    provider = candidate.provider

    first = await provider.create_checkout(
        checkout_id=CHECKOUT, user_id=USER, plan=PRO, customer_id=None, idempotency_key="k1"
    )
    again = await provider.create_checkout(
        checkout_id=OTHER_CHECKOUT, user_id=USER, plan=PRO, customer_id=None, idempotency_key="k1"
    )
    other = await provider.create_checkout(
        checkout_id=OTHER_CHECKOUT, user_id=USER, plan=PRO, customer_id=None, idempotency_key="k2"
    )

    assert first.id
    assert first.url.startswith(("http://", "https://"))
    assert again == first
    assert other.id != first.id


async def test_the_portal_link_is_a_url_per_customer(candidate: Candidate) -> None:
    first = await candidate.provider.portal_link("cus_1")
    second = await candidate.provider.portal_link("cus_2")

    assert first.startswith(("http://", "https://"))
    assert first != second


def test_a_signed_completed_checkout_names_user_checkout_plan_and_customer(candidate: Candidate) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    payload, headers = candidate.completed_checkout("cus_1", now)

    event = candidate.provider.parse_webhook(payload, headers, now)

    assert (event.provider, event.kind) == (candidate.provider.name, "checkout_completed")
    assert (event.user_id, event.checkout_id) == (USER, CHECKOUT)
    assert event.state is not None
    assert event.state.plan_code == "pro"
    assert event.billing_info is not None
    assert (event.billing_info.customer_id, event.billing_info.country) == ("cus_1", "FR")
    assert event.event_id
    assert candidate.provider.parse_webhook(payload, headers, now).event_id == event.event_id


def test_a_tampered_or_unsigned_webhook_is_refused(candidate: Candidate) -> None:
    now = datetime.now(UTC)
    payload, headers = candidate.completed_checkout("cus_1", now)

    with pytest.raises(InvalidWebhookSignature):
        candidate.provider.parse_webhook(payload.replace(b"cus_1", b"cus_2"), headers, now)
    with pytest.raises(InvalidWebhookSignature):
        candidate.provider.parse_webhook(payload, {}, now)
