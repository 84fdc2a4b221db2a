"""Use case: transits to a saved chart at any moment (a plan feature; one calculation announced)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from nocturna_platform.security.principal import Principal

from nocturna_chart.application.ports import ChartUnitOfWork
from nocturna_chart.application.saved_charts import calculation_event, readable
from nocturna_chart.domain.birth import julian_day
from nocturna_chart.domain.charts import Chart, cast
from nocturna_chart.domain.engine import CalculationEngine, HouseSystem
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
        engine: CalculationEngine,
        clock: Callable[[], datetime],
        polar_fallback: HouseSystem,
    ) -> None:
        self._uow, self._engine, self._clock, self._fallback = uow, engine, clock, polar_fallback

    async def __call__(self, principal: Principal, chart_id: UUID, at: datetime) -> Transits:
        at = at.astimezone(UTC)
        async with self._uow() as uow:
            chart = readable(await uow.charts.get(chart_id), principal, "charts:read")
            projection = await uow.entitlements.get(principal.subject)
            if projection is None or not projection.entitlements.transits:
                raise FeatureNotInPlan("transits")
            natal = cast(self._engine, chart, self._fallback)
            result = calculate_transits(self._engine, julian_day(at), natal.result, chart.options.policy())
            uow.publish(calculation_event(principal.subject, "transits", result.engine, self._clock()))
            await uow.commit()
        return Transits(chart, at, result)
