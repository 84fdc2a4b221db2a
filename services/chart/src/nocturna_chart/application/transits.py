"""Use case: transits to a saved chart at any moment (a plan feature; one calculation announced)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from nocturna_platform.security.principal import Principal

from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.ports import ChartUnitOfWork
from nocturna_chart.application.saved_charts import calculation_event, readable
from nocturna_chart.domain.birth import julian_day
from nocturna_chart.domain.charts import Chart
from nocturna_chart.domain.transits import TransitResult, calculate_transits


class FeatureNotInPlan(Exception):
    def __init__(self, feature: str) -> None:
        super().__init__(feature)
        self.feature = feature


@dataclass(frozen=True)
class Transits:
    chart: Chart
    at: datetime
    result: TransitResult


class TransitsHandler:
    """Needs the plan's `transits` feature (an unknown plan has none); saves nothing."""

    def __init__(
        self,
        uow: Callable[[], ChartUnitOfWork],
        calculator: ChartCalculator,
        clock: Callable[[], datetime],
    ) -> None:
        self._uow, self._calculator, self._clock = uow, calculator, clock

    async def __call__(self, principal: Principal, chart_id: UUID, at: datetime) -> Transits:
        at = at.astimezone(UTC)
        async with self._uow() as uow:
            chart = readable(await uow.charts.get(chart_id), principal, "charts:read")
            projection = await uow.entitlements.get(principal.subject)
            if projection is None or not projection.entitlements.transits:
                raise FeatureNotInPlan("transits")
            natal = await self._calculator.cast(chart)
            result = await calculate_transits(
                self._calculator.engine, julian_day(at), natal.result, chart.options.policy()
            )
            uow.publish(calculation_event(principal.subject, "transits", result.engine, self._clock()))
            await uow.commit()
        return Transits(chart, at, result)
