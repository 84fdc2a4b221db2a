"""SQL repositories of the chart service."""

from __future__ import annotations

from uuid import UUID

from nocturna_platform.db.unit_of_work import SqlUnitOfWork
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.tables import EntitlementRow


class SqlEntitlementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: UUID) -> EntitlementProjection | None:
        row = await self._session.get(EntitlementRow, user_id, with_for_update=True)
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
            )
        )


class SqlChartUnitOfWork(SqlUnitOfWork):
    entitlements: SqlEntitlementRepository

    def _on_begin(self) -> None:
        self.entitlements = SqlEntitlementRepository(self.session)
