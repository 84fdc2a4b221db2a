from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from nocturna_contracts.auth.v1 import UserRegistered
from nocturna_contracts.subscription.v1 import Entitlements, SubscriptionChanged

USER_ID = UUID("01936f5e-0000-7000-8000-0000000000cc")


@pytest.fixture
def user_registered() -> UserRegistered:
    return UserRegistered(
        user_id=USER_ID, email="vega@example.org", registered_at=datetime(2025, 3, 1, 8, tzinfo=UTC)
    )


@pytest.fixture
def subscription_changed() -> SubscriptionChanged:
    return SubscriptionChanged(
        user_id=USER_ID,
        subscription_id=UUID("01936f5e-0000-7000-8000-0000000000dd"),
        plan_code="pro-monthly",
        status="active",
        current_period_start=datetime(2025, 3, 1, tzinfo=UTC),
        current_period_end=datetime(2025, 4, 1, tzinfo=UTC),
        cancel_at_period_end=False,
        entitlements=Entitlements(
            charts_per_month=None,
            saved_charts=500,
            synastry=True,
            transits=True,
            api_keys=3,
            rate_limit_per_minute=120,
            batch=False,
        ),
        version=4,
        changed_at=datetime(2025, 3, 1, 8, 5, tzinfo=UTC),
    )
