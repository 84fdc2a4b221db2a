from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import pytest
from nocturna_contracts.subscription.v1 import SubscriptionChanged
from nocturna_subscription.application.process_billing_webhook import (
    ProcessBillingWebhookHandler,
    UnknownProvider,
)
from nocturna_subscription.domain.billing import (
    BillingEvent,
    BillingInfo,
    Checkout,
    InvalidWebhookSignature,
    ProviderState,
)

from services.subscription.tests.billing_fakes import FakeBillingProvider
from services.subscription.tests.fakes import InMemorySubscriptionStore
from services.subscription.tests.unit.billing_setup import NOW, USER, store_with_free_user

CHECKOUT = UUID(int=77)


def _setup() -> tuple[
    InMemorySubscriptionStore, FakeBillingProvider, FakeBillingProvider, ProcessBillingWebhookHandler
]:
    store, fake, other = store_with_free_user(), FakeBillingProvider("fake"), FakeBillingProvider("other")
    store.checkouts[CHECKOUT] = Checkout(CHECKOUT, USER, "pro", "fake", "cs_1", "open", NOW)
    handler = ProcessBillingWebhookHandler(store, {"fake": fake, "other": other}, lambda: NOW)
    return store, fake, other, handler


def _event(
    provider: FakeBillingProvider,
    event_id: str,
    plan: str,
    at: datetime,
    kind: str = "subscription_updated",
    checkout: UUID | None = None,
) -> BillingEvent:
    state = ProviderState(plan, "active", at, at + timedelta(days=30), False, f"sub_{provider.name}")
    info = BillingInfo(provider.name, f"cus_{provider.name}", "payer@example.com", "FR")
    return BillingEvent(provider.name, event_id, kind, at, USER, checkout, state, info)  # type: ignore[arg-type]


async def _deliver(
    handler: ProcessBillingWebhookHandler, provider: FakeBillingProvider, event: BillingEvent
) -> str:
    payload, headers = provider.webhook(event)
    return await handler(provider.name, payload, headers)


def _changes(store: InMemorySubscriptionStore) -> list[SubscriptionChanged]:
    return [event for event in store.messaging.published if isinstance(event, SubscriptionChanged)]


async def test_a_completed_checkout_upgrades_records_the_provider_and_the_customer() -> None:
    store, fake, _, handler = _setup()

    outcome = await _deliver(handler, fake, _event(fake, "e1", "pro", NOW, "checkout_completed", CHECKOUT))

    assert outcome == "applied"
    subscription = store.subscriptions[USER]
    assert (subscription.plan.code, subscription.provider, subscription.version) == ("pro", "fake", 2)
    assert [change.plan_code for change in _changes(store)] == ["pro"]
    assert store.checkouts[CHECKOUT].status == "completed"
    assert store.billing_customers[USER].customer_id == "cus_fake"
    assert store.webhooks[("fake", "e1")].outcome == "applied"


async def test_the_same_webhook_twice_is_one_transition() -> None:
    store, fake, _, handler = _setup()
    event = _event(fake, "e1", "pro", NOW, "checkout_completed", CHECKOUT)

    outcomes = [await _deliver(handler, fake, event), await _deliver(handler, fake, event)]

    assert outcomes == ["applied", "duplicate"]
    assert len(_changes(store)) == 1


async def test_an_older_state_arriving_late_changes_nothing() -> None:
    store, fake, _, handler = _setup()
    newer = _event(fake, "e2", "business", NOW + timedelta(minutes=2))
    older = _event(fake, "e1", "pro", NOW + timedelta(minutes=1))

    outcomes = [await _deliver(handler, fake, newer), await _deliver(handler, fake, older)]

    assert outcomes == ["applied", "stale"]
    assert store.subscriptions[USER].plan.code == "business"
    assert len(_changes(store)) == 1


async def test_another_providers_webhooks_leave_the_subscription_alone() -> None:
    store, fake, other, handler = _setup()
    await _deliver(handler, fake, _event(fake, "e1", "pro", NOW, "checkout_completed", CHECKOUT))

    outcome = await _deliver(handler, other, _event(other, "o1", "business", NOW + timedelta(minutes=1)))

    assert outcome == "other_provider"
    assert (store.subscriptions[USER].plan.code, store.subscriptions[USER].provider) == ("pro", "fake")
    assert store.billing_customers[USER].provider == "fake"


async def test_a_forged_signature_stores_and_changes_nothing() -> None:
    store, fake, _, handler = _setup()
    payload, _ = fake.webhook(_event(fake, "e1", "pro", NOW))

    with pytest.raises(InvalidWebhookSignature):
        await handler("fake", payload, {"fake-signature": "0" * 64})

    assert store.webhooks == {}
    assert store.subscriptions[USER].plan.code == "free"


async def test_an_unknown_provider_is_refused() -> None:
    _, fake, _, handler = _setup()
    payload, headers = fake.webhook(_event(fake, "e1", "pro", NOW))

    with pytest.raises(UnknownProvider):
        await handler("paypal", payload, headers)
