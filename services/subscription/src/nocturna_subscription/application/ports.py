"""What the subscription use cases need from infrastructure."""

from __future__ import annotations

from typing import Protocol, Self
from uuid import UUID

from nocturna_contracts.event import Event
from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.domain.subscriptions import Plan, Subscription


class PlanRepository(Protocol):
    async def get(self, code: str) -> Plan | None: ...

    async def list_active(self) -> list[Plan]: ...


class SubscriptionRepository(Protocol):
    async def for_user(self, user_id: UUID) -> Subscription | None: ...

    async def add(self, subscription: Subscription) -> None: ...


class SubscriptionUnitOfWork(Protocol):
    @property
    def plans(self) -> PlanRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *args: object) -> None: ...

    def publish(self, event: Event, *, cause: EventMeta | None = None) -> None: ...

    async def claim(self, meta: EventMeta) -> bool: ...

    async def commit(self) -> None: ...
