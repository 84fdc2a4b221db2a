"""What the chart use cases need from storage: repositories and the unit of work around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Self
from uuid import UUID

from nocturna_contracts.event import Event
from nocturna_platform.messaging.meta import EventMeta

from nocturna_chart.domain.birth import Place
from nocturna_chart.domain.charts import Chart
from nocturna_chart.domain.entitlements import EntitlementProjection


class EntitlementRepository(Protocol):
    async def get(self, user_id: UUID) -> EntitlementProjection | None:
        """The projection, locked for the rest of the transaction (quota checks serialise per user)."""
        ...

    async def put(self, projection: EntitlementProjection) -> None: ...

    async def erase(self, user_id: UUID, now: datetime) -> None:
        """Delete the projection and remember the user as erased, so that no later event projects it again."""
        ...

    async def is_erased(self, user_id: UUID) -> bool:
        """Whether the user was erased; waits for an erasure of the user in progress (a per-user lock held to
        the end of the transaction, which `erase` takes too), so the answer holds until commit."""
        ...


class ChartRepository(Protocol):
    async def add(self, chart: Chart) -> bool:
        """False, adding nothing, when the owner already has a chart with this idempotency key."""
        ...

    async def get(self, chart_id: UUID) -> Chart | None: ...

    async def update(self, chart: Chart) -> None: ...

    async def delete(self, chart_id: UUID) -> None: ...

    async def page(self, owner_id: UUID, limit: int, after: UUID | None) -> list[Chart]:
        """Newest first (ids are UUIDv7), strictly older than `after` when given."""
        ...

    async def by_idempotency_key(self, owner_id: UUID, key: str) -> Chart | None: ...

    async def delete_all(self, owner_id: UUID) -> list[UUID]:
        """Delete every chart of the owner; the ids deleted."""
        ...

    async def reseal(self, limit: int) -> int:
        """Re-encrypt up to `limit` charts sealed with an old key under the current one; how many were."""
        ...


@dataclass(frozen=True)
class UsageCounts:
    """What the quota is checked against: charts created in the month and charts saved now."""

    created_this_month: int
    saved: int


class UsageRepository(Protocol):
    """Charts created per owner and calendar month (UTC): deleting a chart does not give a calculation back."""

    async def counts(self, owner_id: UUID, period: str) -> UsageCounts:
        """Both counts in one read (one round trip on the create path)."""
        ...

    async def increment(self, owner_id: UUID, period: str) -> None: ...

    async def delete_all(self, owner_id: UUID) -> None: ...


class ChartUnitOfWork(Protocol):
    @property
    def entitlements(self) -> EntitlementRepository: ...

    @property
    def charts(self) -> ChartRepository: ...

    @property
    def usage(self) -> UsageRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *args: object) -> None: ...

    async def claim(self, meta: EventMeta) -> bool: ...

    def publish(self, event: Event, *, cause: EventMeta | None = None) -> None: ...

    async def commit(self) -> None: ...


class PlaceDirectory(Protocol):
    """Birthplaces by geocoding id; raises `PlacesUnavailable` when the directory cannot answer."""

    async def place(self, place_id: int) -> Place | None: ...


class PlacesUnavailable(Exception):
    pass
