"""Mapping domain state to the contract events subscription publishes (the one place it happens)."""

from __future__ import annotations

from datetime import datetime

from nocturna_contracts.subscription.v1 import Entitlements as EntitlementsV1
from nocturna_contracts.subscription.v1 import QuotaThresholdReached, SubscriptionChanged

from nocturna_subscription.domain.subscriptions import Subscription
from nocturna_subscription.domain.usage import ThresholdMark


def subscription_changed(subscription: Subscription) -> SubscriptionChanged:
    e = subscription.plan.entitlements
    return SubscriptionChanged(
        user_id=subscription.user_id,
        subscription_id=subscription.id,
        plan_code=subscription.plan.code,
        status=subscription.status,
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        cancel_at_period_end=subscription.cancel_at_period_end,
        entitlements=EntitlementsV1(
            charts_per_month=e.charts_per_month,
            saved_charts=e.saved_charts,
            synastry=e.synastry,
            transits=e.transits,
            api_keys=e.api_keys,
            rate_limit_per_minute=e.rate_limit_per_minute,
            batch=e.batch,
        ),
        version=subscription.version,
        changed_at=subscription.updated_at,
    )


def threshold_reached(
    mark: ThresholdMark, *, used: int, limit: int, reached_at: datetime
) -> QuotaThresholdReached:
    return QuotaThresholdReached(
        user_id=mark.user_id,
        threshold_percent=mark.percent,
        used=used,
        limit=limit,
        period_start=mark.period.start,
        period_end=mark.period.end,
        reached_at=reached_at,
    )
