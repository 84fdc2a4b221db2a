"""The Stripe adapter's webhook side, with payloads signed locally (no network)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import stripe
from nocturna_subscription.domain.billing import InvalidWebhookSignature
from nocturna_subscription.infrastructure.stripe_billing import StripeBillingProvider

SECRET = "whsec_test_local"
USER = UUID("0190a000-0000-7000-8000-000000000001")
NOW = datetime.now(UTC)


def _provider() -> StripeBillingProvider:
    return StripeBillingProvider(
        api_key="sk_test_never_called",
        webhook_secret=SECRET,
        prices={"pro": "price_pro"},
        success_url="https://example.com/ok",
        cancel_url="https://example.com/no",
        portal_return_url="https://example.com/account",
        tolerance_seconds=300,
    )


def _signed(event_type: str, obj: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    event = {
        "id": "evt_1",
        "object": "event",
        "type": event_type,
        "created": 1_790_000_000,
        "data": {"object": obj},
    }
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, int(time.time()))
    return payload.encode(), {"stripe-signature": header}


def test_a_completed_checkout_names_the_user_plan_and_customer() -> None:
    payload, headers = _signed(
        "checkout.session.completed",
        {
            "object": "checkout.session",
            "client_reference_id": str(USER),
            "metadata": {"user_id": str(USER), "plan": "pro", "checkout_id": str(UUID(int=5))},
            "customer": "cus_1",
            "subscription": "sub_1",
            "customer_details": {"email": "payer@example.com", "address": {"country": "DE"}},
        },
    )

    event = _provider().parse_webhook(payload, headers, NOW)

    assert (event.kind, event.event_id, event.user_id, event.checkout_id) == (
        "checkout_completed",
        "evt_1",
        USER,
        UUID(int=5),
    )
    assert event.state is not None
    assert (event.state.plan_code, event.state.provider_subscription_id) == ("pro", "sub_1")
    assert event.billing_info is not None
    assert (event.billing_info.customer_id, event.billing_info.country) == ("cus_1", "DE")
    assert event.occurred_at == datetime.fromtimestamp(1_790_000_000, UTC)


def test_a_subscription_update_carries_its_period_and_cancel_flag() -> None:
    payload, headers = _signed(
        "customer.subscription.updated",
        {
            "object": "subscription",
            "id": "sub_1",
            "status": "past_due",
            "metadata": {"user_id": str(USER), "plan": "pro"},
            "cancel_at_period_end": True,
            "items": {"data": [{"current_period_start": 1_790_000_000, "current_period_end": 1_792_600_000}]},
        },
    )

    event = _provider().parse_webhook(payload, headers, NOW)

    assert event.state is not None
    assert (event.state.status, event.state.cancel_at_period_end) == ("past_due", True)
    assert event.state.period_end == datetime.fromtimestamp(1_792_600_000, UTC)


def test_a_deleted_subscription_returns_the_user_to_the_free_plan() -> None:
    payload, headers = _signed(
        "customer.subscription.deleted",
        {
            "object": "subscription",
            "id": "sub_1",
            "metadata": {"user_id": str(USER)},
            "ended_at": 1_790_000_000,
        },
    )

    event = _provider().parse_webhook(payload, headers, NOW)

    assert event.state is not None
    assert (event.state.plan_code, event.state.status) == ("free", "active")


def test_a_forged_signature_is_refused() -> None:
    payload, headers = _signed(
        "customer.subscription.updated", {"object": "subscription"}, secret="whsec_other"
    )

    with pytest.raises(InvalidWebhookSignature):
        _provider().parse_webhook(payload, headers, NOW)


def test_an_unsigned_payload_is_refused() -> None:
    payload, _ = _signed("customer.subscription.updated", {"object": "subscription"})

    with pytest.raises(InvalidWebhookSignature):
        _provider().parse_webhook(payload, {}, NOW)


def test_events_we_do_not_use_are_ignored() -> None:
    payload, headers = _signed("invoice.paid", {"object": "invoice", "metadata": {"user_id": str(USER)}})

    assert _provider().parse_webhook(payload, headers, NOW).kind == "ignored"
