"""Each subscription remembers its billing provider; another provider's webhooks leave it alone."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
import stripe
from nocturna_platform.ids import uuid7
from nocturna_platform.testing.serving import serving
from nocturna_subscription.bootstrap import SubscriptionService
from nocturna_subscription.settings import SubscriptionSettings
from pydantic import SecretStr

from services.subscription.tests.conftest import SubscriptionHarness, with_test_keys
from services.subscription.tests.integration.test_billing import _me, _upgraded

STRIPE_SECRET = "whsec_test_local_only"


@pytest.fixture
async def stripe_replica(subscription: SubscriptionHarness) -> AsyncIterator[httpx.AsyncClient]:
    """A replica that also accepts Stripe webhooks (its API is never called here: no network)."""
    settings = SubscriptionSettings()
    billing = settings.billing.model_copy(
        update={
            "stripe_api_key": SecretStr("sk_test_never_called"),
            "stripe_webhook_secret": SecretStr(STRIPE_SECRET),
            "stripe_prices": {"pro": "price_pro", "business": "price_business"},
        }
    )
    replica = SubscriptionService(settings.model_copy(update={"billing": billing}))
    with_test_keys(replica, subscription.key)
    async with serving(replica, base_url="http://subscription-stripe.test") as client:
        yield client


def _stripe_update(user_id: UUID, plan: str) -> tuple[bytes, dict[str, str]]:
    now = datetime.now(UTC)
    event = {
        "id": f"evt_{uuid7().hex}",
        "object": "event",
        "type": "customer.subscription.updated",
        "created": int(now.timestamp()) + 1,
        "data": {
            "object": {
                "object": "subscription",
                "id": f"sub_stripe_{user_id.hex}",
                "status": "active",
                "metadata": {"user_id": str(user_id), "plan": plan},
                "current_period_start": int(now.timestamp()),
                "current_period_end": int((now + timedelta(days=30)).timestamp()),
                "cancel_at_period_end": False,
            }
        },
    }
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, STRIPE_SECRET, int(time.time()))
    return payload.encode(), {"stripe-signature": header}


async def test_a_sandbox_subscription_is_recorded_as_such_and_stripe_webhooks_leave_it_alone(
    subscription: SubscriptionHarness, stripe_replica: httpx.AsyncClient
) -> None:
    user_id = await _upgraded(subscription, "pro")
    payload, headers = _stripe_update(user_id, "business")

    answer = await stripe_replica.post("/api/v1/billing/webhooks/stripe", content=payload, headers=headers)

    [row] = await subscription.sql(
        "SELECT provider FROM subscription.subscriptions WHERE user_id = :u", u=user_id
    )
    assert answer.json() == {"outcome": "other_provider"}
    assert row.provider == "sandbox"
    assert (await _me(subscription, user_id))["plan"]["code"] == "pro"


async def test_a_subscription_no_provider_billed_yet_takes_the_first_provider_state(
    subscription: SubscriptionHarness, stripe_replica: httpx.AsyncClient
) -> None:
    user_id = await subscription.registered_user()
    payload, headers = _stripe_update(user_id, "pro")

    answer = await stripe_replica.post("/api/v1/billing/webhooks/stripe", content=payload, headers=headers)

    [row] = await subscription.sql(
        "SELECT provider FROM subscription.subscriptions WHERE user_id = :u", u=user_id
    )
    assert answer.json() == {"outcome": "applied"}
    assert row.provider == "stripe"
