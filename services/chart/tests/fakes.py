"""In-memory adapters for the chart use cases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

from nocturna_chart.application.ports import PlacesUnavailable, UsageCounts
from nocturna_chart.domain.birth import Place
from nocturna_chart.domain.charts import Chart
from nocturna_chart.domain.engine import Body, EngineInfo, HouseSystem, RawHouses, RawPosition
from nocturna_chart.domain.entitlements import EntitlementProjection
from nocturna_chart.domain.natal import ChartResult
from nocturna_chart.infrastructure.redis_result_cache import result_from_json, result_to_json
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine
from nocturna_platform.testing.fakes import InMemoryMessaging, InMemoryUnitOfWork


class FixedClock:
    def __init__(self, now: datetime = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class InMemoryEntitlementRepository:
    def __init__(self, projections: dict[UUID, EntitlementProjection], erased: dict[UUID, datetime]) -> None:
        self._projections = projections
        self._erased = erased

    async def get(self, user_id: UUID) -> EntitlementProjection | None:
        return self._projections.get(user_id)

    async def put(self, projection: EntitlementProjection) -> None:
        self._projections[projection.user_id] = projection

    async def erase(self, user_id: UUID, now: datetime) -> None:
        self._projections.pop(user_id, None)
        self._erased.setdefault(user_id, now)

    async def is_erased(self, user_id: UUID) -> bool:
        return user_id in self._erased


class InMemoryChartRepository:
    def __init__(self, charts: dict[UUID, Chart]) -> None:
        self._charts = charts

    async def add(self, chart: Chart) -> bool:
        if chart.idempotency_key is not None and any(
            c.owner_id == chart.owner_id and c.idempotency_key == chart.idempotency_key
            for c in self._charts.values()
        ):
            return False
        self._charts[chart.id] = chart
        return True

    async def get(self, chart_id: UUID) -> Chart | None:
        return self._charts.get(chart_id)

    async def update(self, chart: Chart) -> None:
        self._charts[chart.id] = chart

    async def delete(self, chart_id: UUID) -> None:
        self._charts.pop(chart_id, None)

    async def page(self, owner_id: UUID, limit: int, after: UUID | None) -> list[Chart]:
        mine = sorted(
            (c for c in self._charts.values() if c.owner_id == owner_id), key=lambda c: c.id, reverse=True
        )
        return [c for c in mine if after is None or c.id < after][:limit]

    async def by_idempotency_key(self, owner_id: UUID, key: str) -> Chart | None:
        return next(
            (c for c in self._charts.values() if c.owner_id == owner_id and c.idempotency_key == key), None
        )

    async def delete_all(self, owner_id: UUID) -> list[UUID]:
        ids = [c.id for c in self._charts.values() if c.owner_id == owner_id]
        for chart_id in ids:
            del self._charts[chart_id]
        return ids

    async def reseal(self, limit: int) -> int:
        return 0  # nothing is sealed in memory


class InMemoryUsageRepository:
    def __init__(self, counts: dict[tuple[UUID, str], int], charts: dict[UUID, Chart]) -> None:
        self._counts, self._charts = counts, charts

    async def counts(self, owner_id: UUID, period: str) -> UsageCounts:
        saved = sum(1 for c in self._charts.values() if c.owner_id == owner_id)
        return UsageCounts(self._counts.get((owner_id, period), 0), saved)

    async def increment(self, owner_id: UUID, period: str) -> None:
        self._counts[(owner_id, period)] = self._counts.get((owner_id, period), 0) + 1

    async def delete_all(self, owner_id: UUID) -> None:
        for key in [key for key in self._counts if key[0] == owner_id]:
            del self._counts[key]


class InMemoryChartStore:
    def __init__(self) -> None:
        self.entitlements: dict[UUID, EntitlementProjection] = {}
        self.erased_users: dict[UUID, datetime] = {}
        self.charts: dict[UUID, Chart] = {}
        self.usage: dict[tuple[UUID, str], int] = {}
        self.messaging = InMemoryMessaging()

    def __call__(self) -> InMemoryChartUnitOfWork:
        return InMemoryChartUnitOfWork(self)


class InMemoryChartUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, store: InMemoryChartStore) -> None:
        super().__init__(store.messaging)
        self._store = store

    def _begin(self) -> None:
        # Stored values are frozen: shallow copies isolate the transaction.
        self._entitlements = dict(self._store.entitlements)
        self._erased_users = dict(self._store.erased_users)
        self._charts = dict(self._store.charts)
        self._usage = dict(self._store.usage)
        self.entitlements = InMemoryEntitlementRepository(self._entitlements, self._erased_users)
        self.charts = InMemoryChartRepository(self._charts)
        self.usage = InMemoryUsageRepository(self._usage, self._charts)

    def _apply(self) -> None:
        self._store.entitlements = self._entitlements
        self._store.erased_users = self._erased_users
        self._store.charts = self._charts
        self._store.usage = self._usage


class InMemoryPlaceDirectory:
    def __init__(self, *places: Place, available: bool = True) -> None:
        self.places = {place.id: place for place in places}
        self.available = available

    async def place(self, place_id: int) -> Place | None:
        if not self.available:
            raise PlacesUnavailable
        return self.places.get(place_id)


class InMemoryResultCache:
    """The result cache in a dict, keeping the same JSON round trip the Redis adapter does."""

    def __init__(self) -> None:
        self.entries: dict[str, str] = {}

    async def get(self, key: str) -> ChartResult | None:
        raw = self.entries.get(key)
        return None if raw is None else result_from_json(json.loads(raw))

    async def put(self, key: str, result: ChartResult) -> None:
        self.entries[key] = json.dumps(result_to_json(result))


class CountingEngine:
    """The local engine, counting the calls that reach it."""

    def __init__(self) -> None:
        self._engine = SwissEphemerisEngine()
        self.calls = 0

    @property
    def info(self) -> EngineInfo:
        return self._engine.info

    @property
    def bodies(self) -> tuple[Body, ...]:
        return self._engine.bodies

    async def positions(self, jd_ut: float, bodies: tuple[Body, ...]) -> dict[Body, RawPosition]:
        self.calls += 1
        return await self._engine.positions(jd_ut, bodies)

    async def houses(self, jd_ut: float, latitude: float, longitude: float, system: HouseSystem) -> RawHouses:
        self.calls += 1
        return await self._engine.houses(jd_ut, latitude, longitude, system)
