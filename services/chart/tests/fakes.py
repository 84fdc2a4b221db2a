"""In-memory adapters for the chart use cases."""

from __future__ import annotations

from uuid import UUID

from nocturna_chart.domain.entitlements import EntitlementProjection
from nocturna_platform.testing.fakes import InMemoryMessaging, InMemoryUnitOfWork


class InMemoryEntitlementRepository:
    def __init__(self, projections: dict[UUID, EntitlementProjection]) -> None:
        self._projections = projections

    async def get(self, user_id: UUID) -> EntitlementProjection | None:
        return self._projections.get(user_id)

    async def put(self, projection: EntitlementProjection) -> None:
        self._projections[projection.user_id] = projection


class InMemoryChartStore:
    def __init__(self) -> None:
        self.entitlements: dict[UUID, EntitlementProjection] = {}
        self.messaging = InMemoryMessaging()

    def __call__(self) -> InMemoryChartUnitOfWork:
        return InMemoryChartUnitOfWork(self)


class InMemoryChartUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, store: InMemoryChartStore) -> None:
        super().__init__(store.messaging)
        self._store = store

    def _begin(self) -> None:
        self._entitlements = dict(self._store.entitlements)  # projections are frozen: a shallow copy isolates
        self.entitlements = InMemoryEntitlementRepository(self._entitlements)

    def _apply(self) -> None:
        self._store.entitlements = self._entitlements
