"""Use case: a solar or lunar return chart of a saved chart, at the birth place or another place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from nocturna_contracts.chart.v1 import ChartKind
from nocturna_platform.security.principal import Principal

from nocturna_chart.application.ports import ChartUnitOfWork
from nocturna_chart.application.saved_charts import calculation_event, readable
from nocturna_chart.domain.birth import instant_of, julian_day
from nocturna_chart.domain.charts import Chart, cast
from nocturna_chart.domain.engine import Body, CalculationEngine, HouseSystem
from nocturna_chart.domain.natal import ChartRequest, ChartResult, calculate_chart
from nocturna_chart.domain.returns import find_return


@dataclass(frozen=True)
class CastReturn:
    """Which return (`sun` or `moon`), from which start (UTC), optionally elsewhere than the birth place."""

    chart_id: UUID
    body: Body
    year: int
    month: int = 1
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class ReturnChart:
    chart: Chart
    body: Body
    at: datetime
    latitude: float
    longitude: float
    result: ChartResult


class ReturnsHandler:
    """The first return at or after the 1st of `month` (UTC) of `year`; saves nothing, announces one calculation."""

    def __init__(
        self,
        uow: Callable[[], ChartUnitOfWork],
        engine: CalculationEngine,
        clock: Callable[[], datetime],
        polar_fallback: HouseSystem,
    ) -> None:
        self._uow, self._engine, self._clock, self._fallback = uow, engine, clock, polar_fallback

    async def __call__(self, principal: Principal, command: CastReturn) -> ReturnChart:
        async with self._uow() as uow:
            chart = readable(await uow.charts.get(command.chart_id), principal, "charts:read")
            natal = cast(self._engine, chart, self._fallback)
            start = julian_day(datetime(command.year, command.month, 1, tzinfo=UTC))
            jd = find_return(
                self._engine, command.body, natal.result.bodies[command.body.value].longitude, start
            )
            latitude = chart.birth.latitude if command.latitude is None else command.latitude
            longitude = chart.birth.longitude if command.longitude is None else command.longitude
            request = ChartRequest(jd, latitude, longitude, chart.house_system, polar_fallback=self._fallback)
            result = calculate_chart(self._engine, request, chart.options.policy())
            kind: ChartKind = "solar_return" if command.body is Body.SUN else "lunar_return"
            uow.publish(calculation_event(principal.subject, kind, result.engine, self._clock()))
            await uow.commit()
        return ReturnChart(chart, command.body, instant_of(jd), latitude, longitude, result)
