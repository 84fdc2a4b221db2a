"""In-memory adapters for the subscription use cases."""

from __future__ import annotations

import copy
from uuid import UUID

from nocturna_platform.testing.fakes import InMemoryMessaging, InMemoryUnitOfWork
from nocturna_subscription.domain.subscriptions import Plan, Subscription


class InMemoryPlanRepository:
    def __init__(self, plans: dict[str, Plan]) -> None:
        self._plans = plans

    async def get(self, code: str) -> Plan | None:
        return self._plans.get(code)

    async def list_active(self) -> list[Plan]:
        return sorted(self._plans.values(), key=lambda plan: plan.price_minor)


class InMemorySubscriptionRepository:
    def __init__(self, subscriptions: dict[UUID, Subscription]) -> None:
        self._subscriptions = subscriptions

    async def for_user(self, user_id: UUID) -> Subscription | None:
        found = self._subscriptions.get(user_id)
        return copy.deepcopy(found) if found else None

    async def add(self, subscription: Subscription) -> None:
        if subscription.user_id in self._subscriptions:
            raise ValueError("one subscription per user")  # the unique constraint of the real table
        self._subscriptions[subscription.user_id] = copy.deepcopy(subscription)


class InMemorySubscriptionStore:
    """Plans and subscriptions by user; calling it opens a unit of work."""

    def __init__(self, plans: list[Plan]) -> None:
        self.plans = {plan.code: plan for plan in plans}
        self.subscriptions: dict[UUID, Subscription] = {}
        self.messaging = InMemoryMessaging()

    def __call__(self) -> InMemorySubscriptionUnitOfWork:
        return InMemorySubscriptionUnitOfWork(self)


class InMemorySubscriptionUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, store: InMemorySubscriptionStore) -> None:
        super().__init__(store.messaging)
        self._store = store

    def _begin(self) -> None:
        self._subscriptions = copy.deepcopy(self._store.subscriptions)
        self.plans = InMemoryPlanRepository(self._store.plans)
        self.subscriptions = InMemorySubscriptionRepository(self._subscriptions)

    def _apply(self) -> None:
        self._store.subscriptions = self._subscriptions
