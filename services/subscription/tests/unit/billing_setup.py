"""Plans, a verified free user and a clock for the billing use-case tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from nocturna_subscription.domain.subscriptions import Entitlements, Plan, Subscription

from services.subscription.tests.fakes import InMemorySubscriptionStore

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
USER = UUID("0190a000-0000-7000-8000-000000000001")


def _plan(code: str, price: int, charts: int | None) -> Plan:
    entitlements = Entitlements(
        charts_per_month=charts,
        saved_charts=None,
        synastry=price > 0,
        transits=price > 0,
        api_keys=0,
        rate_limit_per_minute=60,
        batch=False,
    )
    return Plan(code, code.title(), price, "EUR", "month", entitlements)


FREE, PRO, BUSINESS = _plan("free", 0, 10), _plan("pro", 900, 500), _plan("business", 2900, None)


def store_with_free_user() -> InMemorySubscriptionStore:
    store = InMemorySubscriptionStore([FREE, PRO, BUSINESS])
    store.subscriptions[USER] = Subscription.start_free(
        subscription_id=UUID(int=9), user_id=USER, plan=FREE, now=NOW, email_verified=True
    )
    return store


class SteppingClock:
    """Each reading is `step` later than the previous one."""

    def __init__(self, start: datetime = NOW, step: timedelta = timedelta(seconds=1)) -> None:
        self._now = start
        self._step = step

    def __call__(self) -> datetime:
        self._now += self._step
        return self._now


class Ids:
    def __init__(self) -> None:
        self._next = 100

    def __call__(self) -> UUID:
        self._next += 1
        return UUID(int=self._next)
