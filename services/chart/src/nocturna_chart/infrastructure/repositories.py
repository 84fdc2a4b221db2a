"""SQL repositories of the chart service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_platform.db.unit_of_work import SqlUnitOfWork
from nocturna_platform.messaging.tables import MessagingTables
from nocturna_platform.sealing import AesGcmSealer
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from nocturna_chart.application.ports import UsageCounts
from nocturna_chart.domain.charts import Chart
from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.sealed_charts import from_row, to_row, to_values
from nocturna_chart.infrastructure.tables import ChartRow, EntitlementRow, ErasedUserRow, UsageRow

# The create path's statements are built once: building each statement and its cache key on every call took
# ~12 % of the chart process's CPU (a py-spy profile of `POST /api/v1/charts` under load).
_ENTITLEMENTS = EntitlementRow.__table__  # type: ignore[attr-defined]
_ERASED_USERS = ErasedUserRow.__table__  # type: ignore[attr-defined]
_CHARTS = ChartRow.__table__  # type: ignore[attr-defined]
_USAGE = UsageRow.__table__  # type: ignore[attr-defined]
_LOCKED_ENTITLEMENTS = (
    select(_ENTITLEMENTS).where(_ENTITLEMENTS.c.user_id == bindparam("user_id")).with_for_update()
)
_ERASED_USER = select(_ERASED_USERS.c.user_id).where(_ERASED_USERS.c.user_id == bindparam("user_id"))
_USER_LOCK = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("lock_name"), 0)))
_ADD_CHART = (
    insert(_CHARTS)
    .on_conflict_do_nothing(index_elements=["owner_id", "idempotency_key"])
    .returning(_CHARTS.c.id)
)
_USAGE_COUNTS = select(
    func.coalesce(
        select(_USAGE.c.charts_created)
        .where(_USAGE.c.owner_id == bindparam("owner_id"), _USAGE.c.period == bindparam("period"))
        .scalar_subquery(),
        0,
    ),
    select(func.count())
    .select_from(_CHARTS)
    .where(_CHARTS.c.owner_id == bindparam("owner_id"))
    .scalar_subquery(),
)
_COUNT_CHART = (
    insert(_USAGE)
    .values(owner_id=bindparam("owner_id"), period=bindparam("period"), charts_created=1)
    .on_conflict_do_update(
        index_elements=["owner_id", "period"], set_={"charts_created": _USAGE.c.charts_created + 1}
    )
)


class SqlEntitlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: UUID) -> EntitlementProjection | None:
        """Locks the row (a Core select: no ORM instance, nothing kept in the identity map)."""
        row = (await self._session.execute(_LOCKED_ENTITLEMENTS, {"user_id": user_id})).first()
        if row is None:
            return None
        return EntitlementProjection(
            user_id=row.user_id,
            entitlements=Entitlements(
                plan_code=row.plan_code,
                charts_per_month=row.charts_per_month,
                saved_charts=row.saved_charts,
                synastry=row.synastry,
                transits=row.transits,
                batch=row.batch,
            ),
            version=row.version,
            updated_at=row.updated_at,
        )

    async def put(self, projection: EntitlementProjection) -> None:
        """Never replaces a newer version: two replicas may project a user's first two versions at once, when
        no row exists yet for `get` to lock, and the older may commit last."""
        e = projection.entitlements
        values = {
            "user_id": projection.user_id,
            "plan_code": e.plan_code,
            "charts_per_month": e.charts_per_month,
            "saved_charts": e.saved_charts,
            "synastry": e.synastry,
            "transits": e.transits,
            "batch": e.batch,
            "version": projection.version,
            "updated_at": projection.updated_at,
        }
        table = EntitlementRow.__table__  # type: ignore[attr-defined]
        statement = insert(table).values(**values)
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id"],
                set_={key: statement.excluded[key] for key in values if key != "user_id"},
                where=table.c.version < statement.excluded.version,
            )
        )

    async def erase(self, user_id: UUID, now: datetime) -> None:
        await self._lock_user(user_id)
        await self._session.execute(delete(EntitlementRow).where(col(EntitlementRow.user_id) == user_id))
        erased = ErasedUserRow.__table__  # type: ignore[attr-defined]
        await self._session.execute(
            insert(erased)
            .values(user_id=user_id, erased_at=now)
            .on_conflict_do_nothing(index_elements=["user_id"])
        )

    async def is_erased(self, user_id: UUID) -> bool:
        await self._lock_user(user_id)
        return await self._session.scalar(_ERASED_USER, {"user_id": user_id}) is not None

    async def _lock_user(self, user_id: UUID) -> None:
        """Until the transaction ends: an erasure and a projection write of one user never overlap (the
        projection row may not exist yet, so a row lock cannot serialise them)."""
        await self._session.execute(_USER_LOCK, {"lock_name": f"chart.erased_users:{user_id}"})


class SqlChartRepository:
    def __init__(self, session: AsyncSession, sealer: AesGcmSealer) -> None:
        self._session, self._sealer = session, sealer

    async def add(self, chart: Chart) -> bool:
        return (await self._session.scalar(_ADD_CHART, to_values(chart, self._sealer))) is not None

    async def get(self, chart_id: UUID) -> Chart | None:
        row = await self._session.get(ChartRow, chart_id)
        return from_row(row, self._sealer) if row is not None else None

    async def update(self, chart: Chart) -> None:
        await self._session.merge(to_row(chart, self._sealer))

    async def delete(self, chart_id: UUID) -> None:
        await self._session.execute(delete(ChartRow).where(col(ChartRow.id) == chart_id))

    async def page(self, owner_id: UUID, limit: int, after: UUID | None) -> list[Chart]:
        query = select(ChartRow).where(col(ChartRow.owner_id) == owner_id)
        if after is not None:
            query = query.where(col(ChartRow.id) < after)
        rows = await self._session.scalars(query.order_by(col(ChartRow.id).desc()).limit(limit))
        return [from_row(row, self._sealer) for row in rows]

    async def by_idempotency_key(self, owner_id: UUID, key: str) -> Chart | None:
        query = select(ChartRow).where(
            col(ChartRow.owner_id) == owner_id, col(ChartRow.idempotency_key) == key
        )
        row = await self._session.scalar(query)
        return from_row(row, self._sealer) if row is not None else None

    async def delete_all(self, owner_id: UUID) -> list[UUID]:
        statement = delete(ChartRow).where(col(ChartRow.owner_id) == owner_id).returning(col(ChartRow.id))
        return list(await self._session.scalars(statement))

    async def reseal(self, limit: int) -> int:
        query = (
            select(ChartRow)
            .where(col(ChartRow.key_id) != self._sealer.current_key_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(await self._session.scalars(query))
        for row in rows:
            row.key_id, row.sealed = self._sealer.reseal(row.key_id, row.sealed, row.id.bytes)
        return len(rows)


class SqlUsageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def counts(self, owner_id: UUID, period: str) -> UsageCounts:
        row = (await self._session.execute(_USAGE_COUNTS, {"owner_id": owner_id, "period": period})).one()
        return UsageCounts(created_this_month=int(row[0]), saved=int(row[1]))

    async def increment(self, owner_id: UUID, period: str) -> None:
        await self._session.execute(_COUNT_CHART, {"owner_id": owner_id, "period": period})

    async def delete_all(self, owner_id: UUID) -> None:
        await self._session.execute(delete(UsageRow).where(col(UsageRow.owner_id) == owner_id))


class SqlChartUnitOfWork(SqlUnitOfWork):
    entitlements: SqlEntitlementRepository
    charts: SqlChartRepository
    usage: SqlUsageRepository

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        clock: Callable[[], datetime],
        sealer: AesGcmSealer,
    ) -> None:
        super().__init__(session_factory, tables, clock)
        self._sealer = sealer

    def _on_begin(self) -> None:
        self.entitlements = SqlEntitlementRepository(self.session)
        self.charts = SqlChartRepository(self.session, self._sealer)
        self.usage = SqlUsageRepository(self.session)
