"""Usage of metered entitlements and the quota thresholds that are announced once per period."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_subscription.domain.subscriptions import BillingPeriod

THRESHOLDS_PERCENT = (80, 100)
CHARTS_QUOTA = "charts_per_month"


@dataclass(frozen=True)
class UsageRecord:
    """One billable chart calculation, keyed by the id of the event that reported it."""

    event_id: UUID
    user_id: UUID
    calculation_id: UUID
    kind: str
    period: BillingPeriod
    occurred_at: datetime


@dataclass(frozen=True)
class Usage:
    period: BillingPeriod
    used: int
    limit: int | None


@dataclass(frozen=True)
class ThresholdMark:
    """A threshold of a quota announced for a user's period; at most one per key."""

    user_id: UUID
    period: BillingPeriod
    quota: str
    percent: int


def threshold_count(limit: int, percent: int) -> int:
    """The usage at which `percent` of `limit` is reached."""
    return math.ceil(limit * percent / 100)


def thresholds_reached(used: int, limit: int | None) -> list[int]:
    """The thresholds (percent of `limit`) that `used` has reached; none when the quota is unlimited."""
    if limit is None:
        return []
    return [percent for percent in THRESHOLDS_PERCENT if used >= threshold_count(limit, percent)]
