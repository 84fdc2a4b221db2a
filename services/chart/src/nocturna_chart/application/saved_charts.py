"""What chart use cases answer: a saved chart with its cast result, and the errors they raise."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_platform.security.principal import Principal

from nocturna_chart.domain.charts import CastChart, Chart


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
