from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from nocturna_subscription.domain.billing import ProviderState
from nocturna_subscription.domain.subscriptions import (
    EmailNotVerified,
    NotADowngrade,
    NotAnUpgrade,
    NothingToCancel,
    Subscription,
)

from services.subscription.tests.unit.test_record_chart_usage import _plan

NOW = datetime(2026, 3, 1, tzinfo=UTC)
FREE = _plan(10)
PRO = replace(_plan(500), code="pro", name="Pro", price_minor=900)
BUSINESS = replace(_plan(None), code="business", name="Business", price_minor=4900)


def _free(email_verified: bool = True) -> Subscription:
    return Subscription.start_free(
        subscription_id=UUID(int=1), user_id=UUID(int=2), plan=FREE, now=NOW, email_verified=email_verified
    )


def _state(plan: str, cancel: bool = False) -> ProviderState:
    return ProviderState(plan, "active", NOW, NOW + timedelta(days=31), cancel, "sub_1")


def test_a_newer_provider_state_applies_once_and_an_older_one_is_dropped() -> None:
    subscription = _free()

    assert subscription.apply_provider_state(
        _state("business"), BUSINESS, NOW + timedelta(seconds=2), NOW, provider="sandbox"
    )
    assert not subscription.apply_provider_state(
        _state("pro"), PRO, NOW + timedelta(seconds=1), NOW, provider="sandbox"
    )
    assert not subscription.apply_provider_state(
        _state("pro"), PRO, NOW + timedelta(seconds=2), NOW, provider="sandbox"
    )
    assert (subscription.plan.code, subscription.version) == ("business", 2)


def test_a_newer_state_equal_to_the_current_one_is_no_transition() -> None:
    subscription = _free()
    subscription.apply_provider_state(_state("pro"), PRO, NOW + timedelta(seconds=1), NOW, provider="sandbox")

    assert not subscription.apply_provider_state(
        _state("pro"), PRO, NOW + timedelta(seconds=2), NOW, provider="sandbox"
    )
    assert subscription.version == 2


def test_checkout_is_for_upgrades_by_verified_users() -> None:
    with pytest.raises(EmailNotVerified):
        _free(email_verified=False).check_upgrade(PRO)
    with pytest.raises(NotAnUpgrade):
        _free().check_upgrade(FREE)
    with pytest.raises(NotAnUpgrade):
        _free().check_upgrade(replace(BUSINESS, retired=True))
    _free().check_upgrade(PRO)


def test_downgrade_and_cancel_wait_for_the_period_end() -> None:
    subscription = _free()
    subscription.apply_provider_state(
        _state("business"), BUSINESS, NOW + timedelta(seconds=1), NOW, provider="sandbox"
    )

    subscription.schedule_downgrade(PRO, NOW)
    assert (subscription.plan.code, subscription.pending_plan_code, subscription.version) == (
        "business",
        "pro",
        3,
    )
    subscription.cancel_at_end(NOW)
    subscription.cancel_at_end(NOW)
    assert (subscription.cancel_at_period_end, subscription.pending_plan_code, subscription.version) == (
        True,
        None,
        4,
    )
    with pytest.raises(NotADowngrade):
        subscription.schedule_downgrade(BUSINESS, NOW)


def test_the_free_plan_has_nothing_to_cancel() -> None:
    with pytest.raises(NothingToCancel):
        _free().cancel_at_end(NOW)


def test_closing_an_account_cancels_once() -> None:
    subscription = _free()

    assert subscription.cancel_now(NOW)
    assert not subscription.cancel_now(NOW)
    assert (subscription.status, subscription.version) == ("canceled", 2)


def test_a_subscription_is_billed_by_the_provider_that_last_applied_a_state() -> None:
    subscription = _free()
    assert subscription.billed_by("stripe")
    assert subscription.billed_by("sandbox")

    subscription.apply_provider_state(_state("pro"), PRO, NOW + timedelta(seconds=1), NOW, provider="stripe")

    assert subscription.provider == "stripe"
    assert subscription.billed_by("stripe")
    assert not subscription.billed_by("sandbox")
