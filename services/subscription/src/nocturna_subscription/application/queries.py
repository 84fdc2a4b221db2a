"""Read-side use cases of the subscription service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.subscriptions import Plan, Subscription
from nocturna_subscription.domain.usage import Usage


class GetMySubscriptionHandler:
    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID) -> Subscription | None:
        async with self._uow() as uow:
            return await uow.subscriptions.for_user(user_id)


class ListPlansHandler:
    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self) -> list[Plan]:
        async with self._uow() as uow:
            return await uow.plans.list_active()


class GetMyUsageHandler:
    """Charts used in the period `now` falls in, against the current plan's limit (None: unlimited)."""

    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, user_id: UUID) -> Usage | None:
        async with self._uow() as uow:
            subscription = await uow.subscriptions.for_user(user_id)
            if subscription is None:
                return None
            period = subscription.period_containing(self._clock())
            used = await uow.usage.count(user_id, period)
            return Usage(period=period, used=used, limit=subscription.plan.entitlements.charts_per_month)


class SearchSubscriptionsHandler:
    """Admin list: keyset pages by subscription id, filtered by user id prefix, plan and status."""

    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(
        self, *, query: str | None, plan_code: str | None, status: str | None, after: UUID | None, limit: int
    ) -> list[Subscription]:
        async with self._uow() as uow:
            return await uow.subscriptions.search(
                query=query, plan_code=plan_code, status=status, after=after, limit=limit
            )
