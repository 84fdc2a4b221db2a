"""Plans and the subscription aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

Status = Literal["trialing", "active", "past_due", "canceled"]
FREE_PLAN = "free"


@dataclass(frozen=True)
class Entitlements:
    charts_per_month: int | None
    saved_charts: int | None
    synastry: bool
    transits: bool
    api_keys: int
    rate_limit_per_minute: int
    batch: bool


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    price_minor: int
    currency: str
    interval: Literal["month", "year"]
    entitlements: Entitlements
    retired: bool = False
    """A retired plan is no longer offered; its subscribers keep it."""

    @property
    def is_paid(self) -> bool:
        return self.price_minor > 0


def add_months(moment: datetime, months: int) -> datetime:
    """Same day next month(s), clamped to the month's last day (Jan 31 → Feb 28/29)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    days_in_month = [
        31,
        29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


@dataclass(frozen=True)
class BillingPeriod:
    """A half-open interval `[start, end)`."""

    start: datetime
    end: datetime


@dataclass
class Subscription:
    """One per user; `version` grows with every change so consumers can drop stale states."""

    id: UUID
    user_id: UUID
    plan: Plan
    status: Status
    current_period_start: datetime
    current_period_end: datetime
    cancel_at_period_end: bool
    version: int
    updated_at: datetime

    @classmethod
    def start_free(cls, *, subscription_id: UUID, user_id: UUID, plan: Plan, now: datetime) -> Subscription:
        if plan.code != FREE_PLAN:
            raise ValueError("new users start on the free plan")
        return cls(
            id=subscription_id,
            user_id=user_id,
            plan=plan,
            status="active",
            current_period_start=now,
            current_period_end=add_months(now, 1),
            cancel_at_period_end=False,
            version=1,
            updated_at=now,
        )

    def period_containing(self, moment: datetime) -> BillingPeriod:
        """The billing period `moment` falls in, on the monthly grid anchored at the current period's start.

        A late event lands in an earlier period and an event past the current end in a later one, so usage
        never depends on when a consumer gets to it.
        """
        anchor = self.current_period_start
        months = (moment.year - anchor.year) * 12 + moment.month - anchor.month
        while add_months(anchor, months) > moment:
            months -= 1
        while add_months(anchor, months + 1) <= moment:
            months += 1
        return BillingPeriod(add_months(anchor, months), add_months(anchor, months + 1))
