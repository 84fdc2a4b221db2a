"""Queries: one saved chart, or a page of the caller's charts (newest first), cast on read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from nocturna_platform.security.principal import Principal

from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.ports import ChartUnitOfWork
from nocturna_chart.application.saved_charts import SavedChart, readable


@dataclass(frozen=True)
class ChartPage:
    items: list[SavedChart]
    next_after: UUID | None


class GetChartHandler:
    def __init__(self, uow: Callable[[], ChartUnitOfWork], calculator: ChartCalculator) -> None:
        self._uow, self._calculator = uow, calculator

    async def __call__(self, principal: Principal, chart_id: UUID) -> SavedChart:
        async with self._uow() as uow:
            chart = readable(await uow.charts.get(chart_id), principal, "charts:read")
        return SavedChart(chart, await self._calculator.cast(chart))


class ListChartsHandler:
    def __init__(self, uow: Callable[[], ChartUnitOfWork], calculator: ChartCalculator) -> None:
        self._uow, self._calculator = uow, calculator

    async def __call__(self, owner_id: UUID, limit: int, after: UUID | None) -> ChartPage:
        async with self._uow() as uow:
            charts = await uow.charts.page(owner_id, limit + 1, after)
        items = [SavedChart(chart, await self._calculator.cast(chart)) for chart in charts[:limit]]
        return ChartPage(items, charts[limit - 1].id if len(charts) > limit else None)
