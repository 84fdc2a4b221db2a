"""Use case: cast a natal chart from birth data and save it, within the plan's limits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_platform.ids import uuid7

from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.ports import ChartUnitOfWork, PlaceDirectory
from nocturna_chart.application.saved_charts import SavedChart, calculation_event
from nocturna_chart.domain.aspects import InvalidOrbs
from nocturna_chart.domain.birth import AmbiguousLocalTime, BirthData, PlacedBirth, UnknownTimezone
from nocturna_chart.domain.charts import (
    AccountErased,
    CastChart,
    Chart,
    ChartOptions,
    Quota,
    QuotaExceeded,
)
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


REFUSALS: tuple[type[Exception], ...] = (
    UnknownPlace,
    UnknownTimezone,
    AmbiguousLocalTime,
    InvalidOrbs,
    AccountErased,
    QuotaExceeded,
)
"""Why a chart is not created from its input or within the plan; anything else is a failure of the system."""


@dataclass(frozen=True)
class CreateChart:
    owner_id: UUID
    name: str
    notes: str | None
    birth: BirthData | PlacedBirth
    house_system: HouseSystem
    options: ChartOptions
    idempotency_key: str | None = None
    batch_id: UUID | None = None


@dataclass(frozen=True)
class ChartPolicy:
    unknown_plan_charts_per_month: int


def period_of(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


@dataclass
class _Tally:
    """The owner's counts the quota is checked against, read once under the projection lock."""

    created_this_month: int
    saved: int


Created = tuple[SavedChart, bool]
"""A saved chart, and whether it was created now (False: an idempotent replay)."""


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

    async def __call__(self, command: CreateChart) -> Created:
        [created] = await self._create([command], refusals=())
        assert not isinstance(created, Exception)
        return created

    async def create_many(self, commands: Sequence[CreateChart]) -> list[Created | Exception]:
        """One owner's charts in one transaction, in order, each as `__call__` would create (or replay) it;
        a command refused for its input or the plan (`REFUSALS`) gets its error in its place and costs nothing.
        """
        return await self._create(commands, refusals=REFUSALS)

    async def _create(
        self, commands: Sequence[CreateChart], refusals: tuple[type[Exception], ...]
    ) -> list[Created | Exception]:
        now = self._clock()
        prepared: list[tuple[Chart, CastChart] | Exception] = []
        for command in commands:
            try:
                prepared.append(await self._cast(command, now))
            except refusals as error:
                prepared.append(error)
        outcomes: list[Created | Exception] = []
        async with self._uow() as uow:
            owners = {command.owner_id for command in commands}
            assert len(owners) == 1, "one owner per call"
            owner = owners.pop()
            projection = await uow.entitlements.get(owner)  # locks: one create at a time per user
            # A projection held under its lock means no erasure has committed (an erasure deletes that row
            # first, and waits here for this create): only a missing one needs the erased-users check.
            erased = projection is None and await uow.entitlements.is_erased(owner)
            quota = Quota.of(projection, self._policy.unknown_plan_charts_per_month)
            counts = await uow.usage.counts(owner, period_of(now))
            tally = _Tally(counts.created_this_month, counts.saved)
            for command, cast_chart in zip(commands, prepared, strict=True):
                try:
                    if erased:
                        raise AccountErased(owner)
                    if isinstance(cast_chart, Exception):
                        raise cast_chart
                    outcomes.append(await self._save(uow, quota, tally, command, *cast_chart))
                except refusals as error:
                    outcomes.append(error)
            await uow.commit()
        return outcomes

    async def _cast(self, command: CreateChart, now: datetime) -> tuple[Chart, CastChart]:
        birth = await locate(self._places, command.birth)
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
        return chart, await self._calculator.cast_new(chart)

    async def _save(
        self,
        uow: ChartUnitOfWork,
        quota: Quota,
        tally: _Tally,
        command: CreateChart,
        chart: Chart,
        result: CastChart,
    ) -> Created:
        if command.idempotency_key is not None:
            earlier = await uow.charts.by_idempotency_key(command.owner_id, command.idempotency_key)
            if earlier is not None:
                return await self._replayed(earlier)
        quota.check(created_this_month=tally.created_this_month, saved=tally.saved)
        if not await uow.charts.add(chart):  # a concurrent request with the same key won the race
            earlier = await uow.charts.by_idempotency_key(command.owner_id, command.idempotency_key or "")
            assert earlier is not None
            return await self._replayed(earlier)
        await uow.usage.increment(command.owner_id, period_of(chart.created_at))
        tally.created_this_month += 1
        tally.saved += 1
        houses = result.result.houses
        uow.publish(
            calculation_event(
                chart.owner_id,
                "natal",
                result.result.engine,
                chart.created_at,
                chart_id=chart.id,
                house_system=houses.system.value if houses is not None else None,
                batch_id=command.batch_id,
            )
        )
        return SavedChart(chart, result), True

    async def _replayed(self, chart: Chart) -> Created:
        return SavedChart(chart, await self._calculator.cast(chart)), False
