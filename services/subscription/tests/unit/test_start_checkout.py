from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from nocturna_subscription.application.start_checkout import StartCheckoutHandler, fingerprint
from nocturna_subscription.domain.billing import (
    CheckoutRequest,
    CheckoutRequestInProgress,
    IdempotencyKeyReused,
)
from nocturna_subscription.domain.subscriptions import NotAnUpgrade

from services.subscription.tests.billing_fakes import FakeBillingProvider, ProviderDown
from services.subscription.tests.fakes import InMemorySubscriptionStore
from services.subscription.tests.unit.billing_setup import (
    NOW,
    USER,
    Ids,
    SteppingClock,
    store_with_free_user,
)


def _handler(
    store: InMemorySubscriptionStore, provider: FakeBillingProvider, sleeps: list[float] | None = None
) -> StartCheckoutHandler:
    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)

    return StartCheckoutHandler(store, provider, SteppingClock(), Ids(), sleep)


async def test_the_same_key_and_plan_replay_the_first_session() -> None:
    store, provider = store_with_free_user(), FakeBillingProvider()
    handler = _handler(store, provider)

    first = await handler(USER, "pro", "key")
    again = await handler(USER, "pro", "key")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.session == first.session
    assert len(store.checkouts) == 1
    assert len(provider.sessions) == 1
    [provider_key] = provider.sessions
    assert provider_key == f"checkout:{USER}:key"


async def test_the_same_key_with_another_plan_is_refused() -> None:
    store = store_with_free_user()
    handler = _handler(store, FakeBillingProvider())
    await handler(USER, "pro", "key")

    with pytest.raises(IdempotencyKeyReused):
        await handler(USER, "business", "key")
    assert len(store.checkouts) == 1


async def test_without_a_key_every_request_opens_a_session() -> None:
    store = store_with_free_user()
    handler = _handler(store, FakeBillingProvider())

    first = await handler(USER, "pro")
    second = await handler(USER, "pro")

    assert first.session != second.session
    assert len(store.checkouts) == 2


async def test_a_provider_failure_releases_the_key_for_a_retry() -> None:
    store, provider = store_with_free_user(), FakeBillingProvider()
    handler = _handler(store, provider)
    provider.down = True

    with pytest.raises(ProviderDown):
        await handler(USER, "pro", "key")
    assert store.checkout_requests == {}

    provider.down = False
    retried = await handler(USER, "pro", "key")
    assert not retried.replayed
    assert len(store.checkouts) == 1


async def test_a_refused_upgrade_holds_no_key() -> None:
    store = store_with_free_user()
    handler = _handler(store, FakeBillingProvider())

    with pytest.raises(NotAnUpgrade):
        await handler(USER, "free", "key")

    assert store.checkout_requests == {}
    assert store.checkouts == {}


async def test_a_duplicate_of_a_request_still_in_progress_waits_then_gives_up() -> None:
    store, sleeps = store_with_free_user(), []
    pending = CheckoutRequest(USER, "key", fingerprint("pro"), UUID(int=7), NOW, NOW + timedelta(hours=24))
    store.checkout_requests[(USER, "key")] = pending
    handler = _handler(store, FakeBillingProvider(), sleeps)

    with pytest.raises(CheckoutRequestInProgress):
        await handler(USER, "pro", "key")

    assert sleeps
    assert store.checkouts == {}


async def test_an_expired_key_starts_afresh() -> None:
    store = store_with_free_user()
    expired = CheckoutRequest(
        USER, "key", fingerprint("business"), UUID(int=7), NOW - timedelta(days=2), NOW - timedelta(days=1)
    )
    store.checkout_requests[(USER, "key")] = expired
    handler = _handler(store, FakeBillingProvider())

    started = await handler(USER, "pro", "key")

    assert not started.replayed
    assert store.checkout_requests[(USER, "key")].fingerprint == fingerprint("pro")
