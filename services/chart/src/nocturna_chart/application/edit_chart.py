"""Use cases: rename a chart, edit its notes or recast it with another house system; delete it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_contracts.chart.v1 import ChartDeleted
from nocturna_platform.security.principal import Principal

from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.ports import ChartUnitOfWork
from nocturna_chart.application.saved_charts import SavedChart, readable
from nocturna_chart.domain.engine import HouseSystem


@dataclass(frozen=True)
class EditChart:
    chart_id: UUID
    name: str | None = None
    notes: str | None = None
    clear_notes: bool = False
    house_system: HouseSystem | None = None


class EditChartHandler:
    """A new house system recasts from the stored birth data; it is not a new billable calculation."""

    def __init__(
        self,
        uow: Callable[[], ChartUnitOfWork],
        calculator: ChartCalculator,
        clock: Callable[[], datetime],
    ) -> None:
        self._uow, self._calculator, self._clock = uow, calculator, clock

    async def __call__(self, principal: Principal, command: EditChart) -> SavedChart:
        async with self._uow() as uow:
            chart = readable(await uow.charts.get(command.chart_id), principal, "charts:write")
            chart = chart.edited(
                self._clock(),
                name=command.name,
                notes=command.notes,
                clear_notes=command.clear_notes,
                house_system=command.house_system,
            )
            await uow.charts.update(chart)
            await uow.commit()
        return SavedChart(chart, await self._calculator.cast(chart))


class DeleteChartHandler:
    def __init__(self, uow: Callable[[], ChartUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, principal: Principal, chart_id: UUID) -> None:
        async with self._uow() as uow:
            chart = readable(await uow.charts.get(chart_id), principal, "charts:write")
            await uow.charts.delete(chart.id)
            uow.publish(ChartDeleted(chart_id=chart.id, user_id=chart.owner_id, deleted_at=self._clock()))
            await uow.commit()
