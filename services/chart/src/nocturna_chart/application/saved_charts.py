"""What chart use cases answer: a saved chart with its cast result, and the errors they raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_contracts.chart.v1 import ChartCalculated, ChartKind
from nocturna_platform.ids import uuid7
from nocturna_platform.security.principal import Principal

from nocturna_chart.domain.charts import CastChart, Chart
from nocturna_chart.domain.engine import EngineInfo


@dataclass(frozen=True)
class SavedChart:
    chart: Chart
    cast: CastChart


class ChartNotFound(Exception):
    """Missing, or another user's chart (indistinguishable to the caller)."""


def readable(chart: Chart | None, principal: Principal, permission: str) -> Chart:
    if chart is None or not principal.can_access(chart.owner_id, permission):
        raise ChartNotFound
    return chart


def calculation_event(
    user_id: UUID,
    kind: ChartKind,
    engine: EngineInfo,
    at: datetime,
    *,
    chart_id: UUID | None = None,
    house_system: str | None = None,
    batch_id: UUID | None = None,
) -> ChartCalculated:
    """One billable calculation, as subscription counts it (one per event)."""
    return ChartCalculated(
        calculation_id=uuid7(),
        user_id=user_id,
        chart_id=chart_id,
        kind=kind,
        house_system=house_system,
        engine=f"{engine.name}/{engine.version}",
        batch_id=batch_id,
        calculated_at=at,
    )
