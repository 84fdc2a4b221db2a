"""Read-side use cases of the subscription service."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.subscriptions import Plan, Subscription


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
