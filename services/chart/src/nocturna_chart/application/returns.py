"""Use case: a solar or lunar return chart of a saved chart, at the birth place or another place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from nocturna_contracts.chart.v1 import ChartKind
from nocturna_platform.security.principal import Principal

from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.ports import ChartUnitOfWork
from nocturna_chart.application.saved_charts import calculation_event, readable
from nocturna_chart.domain.birth import instant_of, julian_day
from nocturna_chart.domain.charts import Chart
from nocturna_chart.domain.engine import Body
from nocturna_chart.domain.natal import ChartRequest, ChartResult
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
        calculator: ChartCalculator,
        clock: Callable[[], datetime],
    ) -> None:
        self._uow, self._calculator, self._clock = uow, calculator, clock

    async def __call__(self, principal: Principal, command: CastReturn) -> ReturnChart:
        async with self._uow() as uow:
            chart = readable(await uow.charts.get(command.chart_id), principal, "charts:read")
            natal = await self._calculator.cast(chart)
            start = julian_day(datetime(command.year, command.month, 1, tzinfo=UTC))
            jd = await find_return(
                self._calculator.engine,
                command.body,
                natal.result.bodies[command.body.value].longitude,
                start,
            )
            latitude = chart.birth.latitude if command.latitude is None else command.latitude
            longitude = chart.birth.longitude if command.longitude is None else command.longitude
            request = ChartRequest(
                jd, latitude, longitude, chart.house_system, polar_fallback=self._calculator.polar_fallback
            )
            result = await self._calculator.calculate(request, chart.options.policy())
            kind: ChartKind = "solar_return" if command.body is Body.SUN else "lunar_return"
            uow.publish(calculation_event(principal.subject, kind, result.engine, self._clock()))
            await uow.commit()
        return ReturnChart(chart, command.body, instant_of(jd), latitude, longitude, result)
