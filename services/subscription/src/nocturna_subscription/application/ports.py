"""What the subscription use cases need from infrastructure."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, Self
from uuid import UUID

from nocturna_contracts.event import Event
from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.domain.billing import BillingInfo, Checkout, CheckoutRequest, CheckoutSession
from nocturna_subscription.domain.subscriptions import BillingPeriod, Plan, Subscription
from nocturna_subscription.domain.usage import ThresholdMark, UsageRecord


class PlanRepository(Protocol):
    async def get(self, code: str) -> Plan | None: ...

    async def list_active(self) -> list[Plan]: ...

    async def add(self, plan: Plan) -> None: ...

    async def retire(self, code: str, at: datetime) -> None: ...


class SubscriptionRepository(Protocol):
    async def for_user(self, user_id: UUID, *, lock: bool = False) -> Subscription | None:
        """`lock` holds the row until commit, so concurrent changes of one subscription serialise."""
        ...

    async def for_users(self, user_ids: Collection[UUID]) -> dict[UUID, Subscription]:
        """The subscriptions of those users that have one, by user id (no lock)."""
        ...

    async def add(self, subscription: Subscription) -> None: ...

    async def save(self, subscription: Subscription) -> None: ...

    async def search(
        self, *, query: str | None, plan_code: str | None, status: str | None, after: UUID | None, limit: int
    ) -> list[Subscription]: ...


class BillingCustomerRepository(Protocol):
    """Billing info, encrypted at rest by the adapter."""

    async def get(self, user_id: UUID) -> BillingInfo | None: ...

    async def put(self, user_id: UUID, info: BillingInfo, now: datetime) -> None: ...

    async def erase(self, user_id: UUID) -> None: ...


class CheckoutRepository(Protocol):
    async def add(self, checkout: Checkout) -> None: ...

    async def get(self, checkout_id: UUID) -> Checkout | None: ...

    async def save(self, checkout: Checkout) -> None: ...


class CheckoutRequestRepository(Protocol):
    """Checkout requests by idempotency key (per user)."""

    async def reserve(self, request: CheckoutRequest, now: datetime) -> CheckoutRequest:
        """Store `request` unless a live one holds its key (an expired one is replaced); returns the stored
        request — `request` itself when reserved now. Concurrent reservations of one key serialise."""
        ...

    async def complete(self, request: CheckoutRequest, session: CheckoutSession) -> None: ...

    async def release(self, request: CheckoutRequest) -> None:
        """Forget a reservation whose checkout could not start (only if it is still this one)."""
        ...


class WebhookLog(Protocol):
    """Provider webhooks stored before processing; one processing per provider event id."""

    async def store(self, provider: str, event_id: str, payload: str, received_at: datetime) -> None: ...

    async def claim_unprocessed(self, provider: str, event_id: str) -> bool: ...

    async def mark_processed(
        self, provider: str, event_id: str, user_id: UUID | None, outcome: str, now: datetime
    ) -> None: ...

    async def erase_payloads_of(self, user_id: UUID) -> None: ...


class UsageRepository(Protocol):
    async def record(self, record: UsageRecord) -> bool:
        """Store one usage record; False when its event id is recorded already (unique key)."""
        ...

    async def increment(self, user_id: UUID, period: BillingPeriod) -> int:
        """Add one chart to the user's counter for `period` atomically; returns the new count."""
        ...

    async def record_many(self, records: Sequence[UsageRecord]) -> set[UUID]:
        """Store a batch of usage records; returns the event ids that were not recorded before."""
        ...

    async def increment_many(
        self, increments: Mapping[tuple[UUID, BillingPeriod], int]
    ) -> dict[tuple[UUID, BillingPeriod], int]:
        """Add to several users' counters atomically in one statement; returns each new count."""
        ...

    async def count(self, user_id: UUID, period: BillingPeriod) -> int: ...

    async def mark_threshold_sent(
        self, user_id: UUID, period: BillingPeriod, quota: str, percent: int
    ) -> bool:
        """Remember that a threshold was announced for the period; False when it was already."""
        ...

    async def mark_thresholds_sent(self, marks: Sequence[ThresholdMark]) -> set[ThresholdMark]:
        """`mark_threshold_sent` for several; returns the marks that were new."""
        ...


class SandboxWebhooks(Protocol):
    """The sandbox provider's signing side: what its simulated checkout page uses to report a result."""

    def signed(self, event: Mapping[str, Any], now: datetime) -> tuple[bytes, dict[str, str]]: ...


class SubscriptionUnitOfWork(Protocol):
    @property
    def plans(self) -> PlanRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def usage(self) -> UsageRepository: ...

    @property
    def billing_customers(self) -> BillingCustomerRepository: ...

    @property
    def checkouts(self) -> CheckoutRepository: ...

    @property
    def webhooks(self) -> WebhookLog: ...

    @property
    def checkout_requests(self) -> CheckoutRequestRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *args: object) -> None: ...

    def publish(self, event: Event, *, cause: EventMeta | None = None) -> None: ...

    async def claim(self, meta: EventMeta) -> bool: ...

    async def claim_many(self, metas: Sequence[EventMeta]) -> set[UUID]: ...

    async def commit(self) -> None: ...
