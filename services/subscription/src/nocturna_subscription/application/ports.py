"""What the subscription use cases need from infrastructure."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, Self
from uuid import UUID

from nocturna_contracts.event import Event
from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.domain.subscriptions import BillingPeriod, Plan, Subscription
from nocturna_subscription.domain.usage import UsageRecord


class PlanRepository(Protocol):
    async def get(self, code: str) -> Plan | None: ...

    async def list_active(self) -> list[Plan]: ...

    async def add(self, plan: Plan) -> None: ...

    async def retire(self, code: str, at: datetime) -> None: ...


class SubscriptionRepository(Protocol):
    async def for_user(self, user_id: UUID) -> Subscription | None: ...

    async def add(self, subscription: Subscription) -> None: ...


class UsageRepository(Protocol):
    async def record(self, record: UsageRecord) -> bool:
        """Store one usage record; False when its event id is recorded already (unique key)."""
        ...

    async def increment(self, user_id: UUID, period: BillingPeriod) -> int:
        """Add one chart to the user's counter for `period` atomically; returns the new count."""
        ...

    async def count(self, user_id: UUID, period: BillingPeriod) -> int: ...

    async def mark_threshold_sent(
        self, user_id: UUID, period: BillingPeriod, quota: str, percent: int
    ) -> bool:
        """Remember that a threshold was announced for the period; False when it was already."""
        ...


class SubscriptionUnitOfWork(Protocol):
    @property
    def plans(self) -> PlanRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def usage(self) -> UsageRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *args: object) -> None: ...

    def publish(self, event: Event, *, cause: EventMeta | None = None) -> None: ...

    async def claim(self, meta: EventMeta) -> bool: ...

    async def commit(self) -> None: ...
