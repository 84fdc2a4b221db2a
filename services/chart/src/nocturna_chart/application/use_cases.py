"""The use cases the chart entrypoints may call."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_chart.application.project_entitlements import GetEntitlementsHandler, ProjectEntitlementsHandler


@dataclass(frozen=True)
class ChartUseCases:
    project_entitlements: ProjectEntitlementsHandler
    get_entitlements: GetEntitlementsHandler
