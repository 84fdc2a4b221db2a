"""SQL repositories of the subscription service."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from nocturna_platform.db.unit_of_work import SqlUnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from nocturna_subscription.domain.subscriptions import Entitlements, Plan, Subscription
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

    async def for_user(self, user_id: UUID) -> Subscription | None:
        result = await self._session.execute(
            select(SubscriptionRow, PlanRow)
            .join(PlanRow, col(PlanRow.code) == col(SubscriptionRow.plan_code))
            .where(col(SubscriptionRow.user_id) == user_id)
        )
        found = result.first()
        if found is None:
            return None
        row, plan = found
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
        )

    async def add(self, subscription: Subscription) -> None:
        self._session.add(
            SubscriptionRow(
                id=subscription.id,
                user_id=subscription.user_id,
                plan_code=subscription.plan.code,
                status=subscription.status,
                current_period_start=subscription.current_period_start,
                current_period_end=subscription.current_period_end,
                cancel_at_period_end=subscription.cancel_at_period_end,
                version=subscription.version,
                updated_at=subscription.updated_at,
            )
        )


class SqlSubscriptionUnitOfWork(SqlUnitOfWork):
    plans: SqlPlanRepository
    subscriptions: SqlSubscriptionRepository
    usage: SqlUsageRepository

    def _on_begin(self) -> None:
        self.plans = SqlPlanRepository(self.session)
        self.subscriptions = SqlSubscriptionRepository(self.session)
        self.usage = SqlUsageRepository(self.session, self._clock)
