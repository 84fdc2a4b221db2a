"""In-memory adapters for the subscription use cases."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from nocturna_platform.testing.fakes import InMemoryMessaging, InMemoryUnitOfWork
from nocturna_subscription.domain.billing import BillingInfo, Checkout, CheckoutRequest
from nocturna_subscription.domain.subscriptions import BillingPeriod, Plan, Subscription
from nocturna_subscription.domain.usage import ThresholdMark, UsageRecord

from services.subscription.tests.billing_fakes import (
    InMemoryBillingCustomerRepository,
    InMemoryCheckoutRepository,
    InMemoryCheckoutRequestRepository,
    InMemoryWebhookLog,
    StoredWebhook,
)


class InMemoryPlanRepository:
    def __init__(self, plans: dict[str, Plan]) -> None:
        self._plans = plans

    async def get(self, code: str) -> Plan | None:
        return self._plans.get(code)

    async def list_active(self) -> list[Plan]:
        return sorted((p for p in self._plans.values() if not p.retired), key=lambda plan: plan.price_minor)

    async def add(self, plan: Plan) -> None:
        self._plans[plan.code] = plan

    async def retire(self, code: str, at: datetime) -> None:
        self._plans[code] = dataclasses.replace(self._plans[code], retired=True)


class InMemorySubscriptionRepository:
    def __init__(self, subscriptions: dict[UUID, Subscription]) -> None:
        self._subscriptions = subscriptions

    async def for_user(self, user_id: UUID, *, lock: bool = False) -> Subscription | None:
        found = self._subscriptions.get(user_id)
        return copy.deepcopy(found) if found else None

    async def for_users(self, user_ids: Collection[UUID]) -> dict[UUID, Subscription]:
        return {u: copy.deepcopy(self._subscriptions[u]) for u in user_ids if u in self._subscriptions}

    async def add(self, subscription: Subscription) -> None:
        if subscription.user_id in self._subscriptions:
            raise ValueError("one subscription per user")  # the unique constraint of the real table
        self._subscriptions[subscription.user_id] = copy.deepcopy(subscription)

    async def save(self, subscription: Subscription) -> None:
        if subscription.user_id not in self._subscriptions:
            raise LookupError(str(subscription.id))
        self._subscriptions[subscription.user_id] = copy.deepcopy(subscription)

    async def search(
        self, *, query: str | None, plan_code: str | None, status: str | None, after: UUID | None, limit: int
    ) -> list[Subscription]:
        found = sorted(
            (
                s
                for s in self._subscriptions.values()
                if (not query or str(s.user_id).startswith(query.lower()))
                and (not plan_code or s.plan.code == plan_code)
                and (not status or s.status == status)
                and (after is None or s.id > after)
            ),
            key=lambda s: s.id,
        )
        return copy.deepcopy(found[:limit])


class InMemoryUsageRepository:
    def __init__(
        self,
        records: dict[UUID, UsageRecord],
        counters: dict[tuple[UUID, datetime], int],
        thresholds: set[tuple[UUID, datetime, str, int]],
    ) -> None:
        self._records = records
        self._counters = counters
        self._thresholds = thresholds

    async def record(self, record: UsageRecord) -> bool:
        if record.event_id in self._records:
            return False
        self._records[record.event_id] = record
        return True

    async def record_many(self, records: Sequence[UsageRecord]) -> set[UUID]:
        return {record.event_id for record in records if await self.record(record)}

    async def increment_many(
        self, increments: Mapping[tuple[UUID, BillingPeriod], int]
    ) -> dict[tuple[UUID, BillingPeriod], int]:
        counts = {}
        for (user_id, period), added in increments.items():
            key = (user_id, period.start)
            self._counters[key] = self._counters.get(key, 0) + added
            counts[(user_id, period)] = self._counters[key]
        return counts

    async def increment(self, user_id: UUID, period: BillingPeriod) -> int:
        key = (user_id, period.start)
        self._counters[key] = self._counters.get(key, 0) + 1
        return self._counters[key]

    async def count(self, user_id: UUID, period: BillingPeriod) -> int:
        return self._counters.get((user_id, period.start), 0)

    async def mark_threshold_sent(
        self, user_id: UUID, period: BillingPeriod, quota: str, percent: int
    ) -> bool:
        key = (user_id, period.start, quota, percent)
        if key in self._thresholds:
            return False
        self._thresholds.add(key)
        return True

    async def mark_thresholds_sent(self, marks: Sequence[ThresholdMark]) -> set[ThresholdMark]:
        return {m for m in marks if await self.mark_threshold_sent(m.user_id, m.period, m.quota, m.percent)}


class InMemorySubscriptionStore:
    """Plans and subscriptions by user; calling it opens a unit of work."""

    def __init__(self, plans: list[Plan]) -> None:
        self.plans = {plan.code: plan for plan in plans}
        self.subscriptions: dict[UUID, Subscription] = {}
        self.usage_records: dict[UUID, UsageRecord] = {}
        self.usage_counters: dict[tuple[UUID, datetime], int] = {}
        self.thresholds_sent: set[tuple[UUID, datetime, str, int]] = set()
        self.billing_customers: dict[UUID, BillingInfo] = {}
        self.checkouts: dict[UUID, Checkout] = {}
        self.webhooks: dict[tuple[str, str], StoredWebhook] = {}
        self.checkout_requests: dict[tuple[UUID, str], CheckoutRequest] = {}
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
        self._usage = (
            dict(self._store.usage_records),
            dict(self._store.usage_counters),
            set(self._store.thresholds_sent),
        )
        self.usage = InMemoryUsageRepository(*self._usage)
        self._billing = (
            dict(self._store.billing_customers),
            dict(self._store.checkouts),
            dict(self._store.webhooks),
            dict(self._store.checkout_requests),
        )
        self.billing_customers = InMemoryBillingCustomerRepository(self._billing[0])
        self.checkouts = InMemoryCheckoutRepository(self._billing[1])
        self.webhooks = InMemoryWebhookLog(self._billing[2])
        self.checkout_requests = InMemoryCheckoutRequestRepository(self._billing[3])

    def _apply(self) -> None:
        self._store.subscriptions = self._subscriptions
        self._store.usage_records, self._store.usage_counters, self._store.thresholds_sent = self._usage
        (
            self._store.billing_customers,
            self._store.checkouts,
            self._store.webhooks,
            self._store.checkout_requests,
        ) = self._billing
