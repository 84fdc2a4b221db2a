from __future__ import annotations

from datetime import timedelta

import pytest
from nocturna_subscription.application.change_plan import (
    CancelSubscriptionHandler,
    DowngradeSubscriptionHandler,
)
from nocturna_subscription.domain.billing import BillingProviders, ProviderNotConfigured, ProviderState

from services.subscription.tests.billing_fakes import FakeBillingProvider
from services.subscription.tests.fakes import InMemorySubscriptionStore
from services.subscription.tests.unit.billing_setup import BUSINESS, NOW, USER, store_with_free_user


def _billed_by(provider: str) -> InMemorySubscriptionStore:
    store = store_with_free_user()
    state = ProviderState("business", "active", NOW, NOW + timedelta(days=30), False, "sub_1")
    store.subscriptions[USER].apply_provider_state(state, BUSINESS, NOW, NOW, provider=provider)
    return store


async def test_cancel_and_downgrade_go_to_the_provider_that_bills_the_subscription() -> None:
    old, default = FakeBillingProvider("old"), FakeBillingProvider("new")
    providers = BillingProviders(default=default, by_name={"old": old, "new": default})
    store = _billed_by("old")

    await DowngradeSubscriptionHandler(store, providers, lambda: NOW)(USER, "pro")
    await CancelSubscriptionHandler(store, providers, lambda: NOW)(USER)

    assert old.scheduled == [("sub_1", "pro"), ("sub_1", None)]
    assert default.scheduled == []
    assert store.subscriptions[USER].cancel_at_period_end


async def test_a_subscription_of_a_provider_no_longer_configured_cannot_be_changed() -> None:
    default = FakeBillingProvider("new")
    providers = BillingProviders(default=default, by_name={"new": default})
    store = _billed_by("old")

    with pytest.raises(ProviderNotConfigured):
        await CancelSubscriptionHandler(store, providers, lambda: NOW)(USER)

    assert not store.subscriptions[USER].cancel_at_period_end
