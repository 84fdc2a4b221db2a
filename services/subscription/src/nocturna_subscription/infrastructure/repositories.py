"""SQL repositories of the subscription service."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from nocturna_platform.db.unit_of_work import SqlUnitOfWork
from nocturna_platform.messaging.tables import MessagingTables
from nocturna_platform.sealing import AesGcmSealer
from sqlalchemy import Text, cast
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from nocturna_subscription.domain.subscriptions import Entitlements, Plan, Subscription
from nocturna_subscription.infrastructure.billing_store import (
    SqlBillingCustomerRepository,
    SqlCheckoutRepository,
    SqlWebhookLog,
)
from nocturna_subscription.infrastructure.checkout_requests import SqlCheckoutRequestRepository
from nocturna_subscription.infrastructure.tables import PlanRow, SubscriptionRow
from nocturna_subscription.infrastructure.usage import SqlUsageRepository


def _plan(row: PlanRow) -> Plan:
    return Plan(
        code=row.code,
        name=row.name,
        price_minor=row.price_minor,
        currency=row.currency,
        interval=row.interval,  # type: ignore[arg-type]
        entitlements=Entitlements(**row.entitlements),
        retired=row.retired_at is not None,
    )


class SqlPlanRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, code: str) -> Plan | None:
        row = await self._session.get(PlanRow, code)
        return _plan(row) if row else None

    async def list_active(self) -> list[Plan]:
        rows = await self._session.execute(
            select(PlanRow).where(col(PlanRow.retired_at).is_(None)).order_by(col(PlanRow.price_minor))
        )
        return [_plan(row) for row in rows.scalars()]

    async def add(self, plan: Plan) -> None:
        self._session.add(
            PlanRow(
                code=plan.code,
                name=plan.name,
                price_minor=plan.price_minor,
                currency=plan.currency,
                interval=plan.interval,
                entitlements=dict(plan.entitlements.__dict__),
            )
        )

    async def retire(self, code: str, at: datetime) -> None:
        row = await self._session.get(PlanRow, code)
        if row is not None and row.retired_at is None:
            row.retired_at = at


class SqlSubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_user(self, user_id: UUID, *, lock: bool = False) -> Subscription | None:
        statement = (
            select(SubscriptionRow, PlanRow)
            .join(PlanRow, col(PlanRow.code) == col(SubscriptionRow.plan_code))
            .where(col(SubscriptionRow.user_id) == user_id)
        )
        if lock:
            statement = statement.with_for_update(of=SubscriptionRow)
        found = (await self._session.execute(statement)).first()
        if found is None:
            return None
        row, plan = found
        return _subscription(row, plan)

    async def for_users(self, user_ids: Collection[UUID]) -> dict[UUID, Subscription]:
        if not user_ids:
            return {}
        statement = (
            select(SubscriptionRow, PlanRow)
            .join(PlanRow, col(PlanRow.code) == col(SubscriptionRow.plan_code))
            .where(col(SubscriptionRow.user_id).in_(list(user_ids)))
        )
        rows = (await self._session.execute(statement)).all()
        return {row.user_id: _subscription(row, plan) for row, plan in rows}

    async def search(
        self, *, query: str | None, plan_code: str | None, status: str | None, after: UUID | None, limit: int
    ) -> list[Subscription]:
        """Keyset page by subscription id; `query` matches a user id prefix."""
        statement = select(SubscriptionRow, PlanRow).join(
            PlanRow, col(PlanRow.code) == col(SubscriptionRow.plan_code)
        )
        if query:
            statement = statement.where(cast(SubscriptionRow.user_id, Text).startswith(query.lower()))
        if plan_code:
            statement = statement.where(col(SubscriptionRow.plan_code) == plan_code)
        if status:
            statement = statement.where(col(SubscriptionRow.status) == status)
        if after:
            statement = statement.where(col(SubscriptionRow.id) > after)
        rows = await self._session.execute(statement.order_by(col(SubscriptionRow.id)).limit(limit))
        return [_subscription(row, plan) for row, plan in rows.all()]

    async def save(self, subscription: Subscription) -> None:
        row = await self._session.get(SubscriptionRow, subscription.id)
        if row is None:
            raise LookupError(str(subscription.id))
        for name, value in _fields(subscription).items():
            setattr(row, name, value)

    async def add(self, subscription: Subscription) -> None:
        self._session.add(SubscriptionRow.model_validate(_fields(subscription)))


def _fields(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.id,
        "user_id": subscription.user_id,
        "plan_code": subscription.plan.code,
        "status": subscription.status,
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "version": subscription.version,
        "updated_at": subscription.updated_at,
        "pending_plan_code": subscription.pending_plan_code,
        "email_verified": subscription.email_verified,
        "provider_subscription_id": subscription.provider_subscription_id,
        "provider_updated_at": subscription.provider_updated_at,
        "provider": subscription.provider,
    }


def _subscription(row: SubscriptionRow, plan: PlanRow) -> Subscription:
    return Subscription(
        id=row.id,
        user_id=row.user_id,
        plan=_plan(plan),
        status=row.status,  # type: ignore[arg-type]
        current_period_start=row.current_period_start,
        current_period_end=row.current_period_end,
        cancel_at_period_end=row.cancel_at_period_end,
        version=row.version,
        updated_at=row.updated_at,
        pending_plan_code=row.pending_plan_code,
        email_verified=row.email_verified,
        provider_subscription_id=row.provider_subscription_id,
        provider_updated_at=row.provider_updated_at,
        provider=row.provider,
    )


class SqlSubscriptionUnitOfWork(SqlUnitOfWork):
    plans: SqlPlanRepository
    subscriptions: SqlSubscriptionRepository
    usage: SqlUsageRepository
    billing_customers: SqlBillingCustomerRepository
    checkouts: SqlCheckoutRepository
    webhooks: SqlWebhookLog
    checkout_requests: SqlCheckoutRequestRepository

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        clock: Callable[[], datetime],
        *,
        sealer: AesGcmSealer,
    ) -> None:
        super().__init__(session_factory, tables, clock)
        self._sealer = sealer

    def _on_begin(self) -> None:
        self.plans = SqlPlanRepository(self.session)
        self.subscriptions = SqlSubscriptionRepository(self.session)
        self.usage = SqlUsageRepository(self.session, self._clock)
        self.billing_customers = SqlBillingCustomerRepository(self.session, self._sealer)
        self.checkouts = SqlCheckoutRepository(self.session)
        self.webhooks = SqlWebhookLog(self.session)
        self.checkout_requests = SqlCheckoutRequestRepository(self.session)
