"""Use case: cast a natal chart from birth data and save it, within the plan's limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_platform.ids import uuid7

from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.ports import ChartUnitOfWork, PlaceDirectory
from nocturna_chart.application.saved_charts import SavedChart, calculation_event
from nocturna_chart.domain.birth import BirthData, PlacedBirth
from nocturna_chart.domain.charts import Chart, ChartOptions, Quota
from nocturna_chart.domain.engine import HouseSystem


class UnknownPlace(LookupError):
    pass


async def locate(places: PlaceDirectory, birth: BirthData | PlacedBirth) -> BirthData:
    """Birth data with coordinates and zone, looked up in the place directory when given by place id."""
    if isinstance(birth, BirthData):
        return birth
    place = await places.place(birth.place_id)
    if place is None:
        raise UnknownPlace(birth.place_id)
    return birth.at(place)


@dataclass(frozen=True)
class CreateChart:
    owner_id: UUID
    name: str
    notes: str | None
    birth: BirthData | PlacedBirth
    house_system: HouseSystem
    options: ChartOptions
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ChartPolicy:
    unknown_plan_charts_per_month: int


def period_of(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


class CreateChartHandler:
    """Casts first (bad input costs no quota), then checks the quota, saves and announces in one transaction.

    A repeated `Idempotency-Key` answers the chart it created before, without a second calculation.
    """

    def __init__(
        self,
        uow: Callable[[], ChartUnitOfWork],
        calculator: ChartCalculator,
        clock: Callable[[], datetime],
        policy: ChartPolicy,
        places: PlaceDirectory,
    ) -> None:
        self._uow, self._calculator, self._clock, self._policy = uow, calculator, clock, policy
        self._places = places

    async def __call__(self, command: CreateChart) -> tuple[SavedChart, bool]:
        """The saved chart, and whether it was created now (False: an idempotent replay)."""
        birth = await locate(self._places, command.birth)
        now = self._clock()
        chart = Chart(
            id=uuid7(),
            owner_id=command.owner_id,
            name=command.name,
            notes=command.notes,
            birth=birth,
            house_system=command.house_system,
            options=command.options,
            created_at=now,
            updated_at=now,
            idempotency_key=command.idempotency_key,
        )
        result = await self._calculator.cast(chart)
        async with self._uow() as uow:
            period = period_of(now)
            projection = await uow.entitlements.get(command.owner_id)  # locks: one create at a time per user
            if command.idempotency_key is not None:
                earlier = await uow.charts.by_idempotency_key(command.owner_id, command.idempotency_key)
                if earlier is not None:
                    return await self._replayed(earlier)
            quota = Quota.of(projection, self._policy.unknown_plan_charts_per_month)
            quota.check(
                created_this_month=await uow.usage.count(command.owner_id, period),
                saved=await uow.charts.count(command.owner_id),
            )
            if not await uow.charts.add(chart):  # a concurrent request with the same key won the race
                earlier = await uow.charts.by_idempotency_key(command.owner_id, command.idempotency_key or "")
                assert earlier is not None
                return await self._replayed(earlier)
            await uow.usage.increment(command.owner_id, period)
            houses = result.result.houses
            uow.publish(
                calculation_event(
                    chart.owner_id,
                    "natal",
                    result.result.engine,
                    now,
                    chart_id=chart.id,
                    house_system=houses.system.value if houses is not None else None,
                )
            )
            await uow.commit()
        return SavedChart(chart, result), True

    async def _replayed(self, chart: Chart) -> tuple[SavedChart, bool]:
        return SavedChart(chart, await self._calculator.cast(chart)), False
