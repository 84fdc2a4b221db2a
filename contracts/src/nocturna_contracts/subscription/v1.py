from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field, NonNegativeInt

from nocturna_contracts.event import ContractModel, Event
from nocturna_contracts.timestamps import UtcDateTime

SubscriptionStatus = Literal["trialing", "active", "past_due", "canceled"]


class Entitlements(ContractModel):
    """What a plan allows; a limit of null means unlimited."""

    charts_per_month: NonNegativeInt | None
    saved_charts: NonNegativeInt | None
    synastry: bool
    transits: bool
    api_keys: NonNegativeInt
    rate_limit_per_minute: NonNegativeInt
    batch: bool


class SubscriptionChanged(Event):
    """The full current state of one subscription, so consumers keep a projection without calling back.

    `version` grows with every change of the subscription: a consumer drops a state older than its own.
    """

    event_type: ClassVar[str] = "subscription.subscription.changed.v1"
    producer: ClassVar[str] = "subscription"

    user_id: UUID
    subscription_id: UUID
    plan_code: str
    status: SubscriptionStatus
    current_period_start: UtcDateTime
    current_period_end: UtcDateTime
    cancel_at_period_end: bool
    entitlements: Entitlements
    version: int = Field(ge=1)
    changed_at: UtcDateTime


class QuotaThresholdReached(Event):
    """A user's usage crossed a threshold of a plan limit; sent once per threshold and billing period."""

    event_type: ClassVar[str] = "subscription.quota.threshold_reached.v1"
    producer: ClassVar[str] = "subscription"

    user_id: UUID
    quota: Literal["charts_per_month"] = "charts_per_month"
    threshold_percent: NonNegativeInt
    used: NonNegativeInt
    limit: NonNegativeInt
    period_start: UtcDateTime
    period_end: UtcDateTime
    reached_at: UtcDateTime
