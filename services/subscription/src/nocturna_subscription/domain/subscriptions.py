"""Plans and the subscription aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol
from uuid import UUID

Status = Literal["trialing", "active", "past_due", "canceled"]
FREE_PLAN = "free"


class NotAnUpgrade(Exception):
    """Checkout only moves to a paid, offered plan above the current one."""


class NotADowngrade(Exception):
    """A downgrade goes to an offered, cheaper plan from a paid subscription."""


class NothingToCancel(Exception):
    """Only a paid subscription can be canceled; the free plan just stays."""


class EmailNotVerified(Exception):
    """Paid checkouts need a verified email address."""


class ProviderStateLike(Protocol):
    @property
    def status(self) -> Status: ...
    @property
    def period_start(self) -> datetime: ...
    @property
    def period_end(self) -> datetime: ...
    @property
    def cancel_at_period_end(self) -> bool: ...
    @property
    def provider_subscription_id(self) -> str | None: ...


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
    pending_plan_code: str | None = None
    email_verified: bool = False
    provider_subscription_id: str | None = None
    provider_updated_at: datetime | None = None
    provider: str | None = None

    @classmethod
    def start_free(
        cls, *, subscription_id: UUID, user_id: UUID, plan: Plan, now: datetime, email_verified: bool = False
    ) -> Subscription:
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
            email_verified=email_verified,
        )

    def _changed(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now

    def check_upgrade(self, plan: Plan) -> None:
        """Checkout is for upgrades only: a paid, offered plan above the current one."""
        if plan.retired or not plan.is_paid or plan.price_minor <= self.plan.price_minor:
            raise NotAnUpgrade(plan.code)
        if not self.email_verified:
            raise EmailNotVerified(str(self.user_id))

    def is_stale(self, occurred_at: datetime) -> bool:
        """A provider state from no later than the last one applied must not move the subscription."""
        return self.provider_updated_at is not None and occurred_at <= self.provider_updated_at

    def billed_by(self, provider: str) -> bool:
        """Only the provider that bills this subscription may change it; one never billed is open to any."""
        return self.provider is None or self.provider == provider

    def apply_provider_state(
        self, state: ProviderStateLike, plan: Plan, occurred_at: datetime, now: datetime, *, provider: str
    ) -> bool:
        """Take `provider`'s state unless it is older than the last one taken (out-of-order delivery); the
        subscription is then billed by `provider`.

        True when the subscription changed (a transition to announce).
        """
        if self.is_stale(occurred_at):
            return False
        self.provider = provider
        self.provider_updated_at = occurred_at
        self.provider_subscription_id = state.provider_subscription_id or self.provider_subscription_id
        before = self._observable()
        self.plan = plan
        self.status = state.status
        self.current_period_start, self.current_period_end = state.period_start, state.period_end
        self.cancel_at_period_end = state.cancel_at_period_end
        if self.pending_plan_code == plan.code or not plan.is_paid:
            self.pending_plan_code = None
        if self._observable() == before:
            return False
        self._changed(now)
        return True

    def schedule_downgrade(self, plan: Plan, now: datetime) -> None:
        """A cheaper plan from the end of the current period; entitlements stay until then."""
        if plan.retired or plan.price_minor >= self.plan.price_minor or self.provider_subscription_id is None:
            raise NotADowngrade(plan.code)
        self.pending_plan_code = plan.code
        self.cancel_at_period_end = False
        self._changed(now)

    def cancel_at_end(self, now: datetime) -> None:
        """The paid plan ends with the current period; the user then returns to the free plan."""
        if not self.plan.is_paid or self.provider_subscription_id is None:
            raise NothingToCancel(str(self.user_id))
        if self.cancel_at_period_end:
            return
        self.cancel_at_period_end = True
        self.pending_plan_code = None
        self._changed(now)

    def grant(self, plan: Plan, now: datetime) -> None:
        """An admin's complimentary plan: immediate, a fresh period, no provider involved."""
        self.plan = plan
        self.status = "active"
        self.current_period_start, self.current_period_end = now, add_months(now, 1)
        self.cancel_at_period_end = False
        self.pending_plan_code = None
        self._changed(now)

    def cancel_now(self, now: datetime) -> bool:
        """The account is gone: the subscription ends at once. False when it had ended already."""
        if self.status == "canceled":
            return False
        self.status = "canceled"
        self.cancel_at_period_end = False
        self.pending_plan_code = None
        self._changed(now)
        return True

    def _observable(self) -> tuple[object, ...]:
        return (
            self.plan.code,
            self.status,
            self.current_period_start,
            self.current_period_end,
            self.cancel_at_period_end,
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
