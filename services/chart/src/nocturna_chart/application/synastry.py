"""Use case: synastry between two saved charts or inline birth data (plan feature; nothing saved)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_platform.ids import uuid7
from nocturna_platform.security.principal import Principal

from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.create_chart import locate
from nocturna_chart.application.ports import ChartUnitOfWork, PlaceDirectory
from nocturna_chart.application.saved_charts import calculation_event, readable
from nocturna_chart.application.transits import FeatureNotInPlan
from nocturna_chart.domain.birth import BirthData, PlacedBirth
from nocturna_chart.domain.charts import CastChart, Chart, ChartOptions
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.domain.synastry import SynastryResult, calculate_synastry


@dataclass(frozen=True)
class InlineBirth:
    birth: BirthData | PlacedBirth
    house_system: HouseSystem = HouseSystem.PLACIDUS


Side = UUID | InlineBirth


@dataclass(frozen=True)
class SynastrySide:
    chart_id: UUID | None
    cast: CastChart


@dataclass(frozen=True)
class Synastry:
    a: SynastrySide
    b: SynastrySide
    result: SynastryResult


class SynastryHandler:
    def __init__(
        self,
        uow: Callable[[], ChartUnitOfWork],
        calculator: ChartCalculator,
        clock: Callable[[], datetime],
        places: PlaceDirectory,
    ) -> None:
        self._uow, self._calculator, self._clock = uow, calculator, clock
        self._places = places

    async def __call__(self, principal: Principal, a: Side, b: Side, options: ChartOptions) -> Synastry:
        policy = options.policy()
        async with self._uow() as uow:
            projection = await uow.entitlements.get(principal.subject)
            if projection is None or not projection.entitlements.synastry:
                raise FeatureNotInPlan("synastry")
            side_a = await self._side(uow, principal, a, options)
            side_b = await self._side(uow, principal, b, options)
            result = calculate_synastry(side_a.cast.result, side_b.cast.result, policy)
            engine = side_a.cast.result.engine
            uow.publish(calculation_event(principal.subject, "synastry", engine, self._clock()))
            await uow.commit()
        return Synastry(side_a, side_b, result)

    async def _side(
        self, uow: ChartUnitOfWork, principal: Principal, side: Side, options: ChartOptions
    ) -> SynastrySide:
        if isinstance(side, UUID):
            chart = readable(await uow.charts.get(side), principal, "charts:read")
            return SynastrySide(chart.id, await self._calculator.cast(chart))
        birth = await locate(self._places, side.birth)
        now = self._clock()
        transient = Chart(uuid7(), principal.subject, "", None, birth, side.house_system, options, now, now)
        return SynastrySide(None, await self._calculator.cast(transient))
