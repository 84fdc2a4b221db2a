"""Synastry: cross aspects between two charts and each chart's bodies in the other's houses."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_chart.domain.aspects import Aspect, AspectPolicy, find_aspects
from nocturna_chart.domain.engine import Body, RawPosition
from nocturna_chart.domain.natal import ASPECT_EXCLUDED, SOUTH_NODE, ChartResult
from nocturna_chart.domain.zodiac import house_of


@dataclass(frozen=True)
class SynastryResult:
    """Aspects are a's body (a) → b's body (b); an overlay is None when the other chart has no houses."""

    aspects: list[Aspect]
    a_in_b: dict[str, int] | None
    b_in_a: dict[str, int] | None


def calculate_synastry(a: ChartResult, b: ChartResult, policy: AspectPolicy) -> SynastryResult:
    return SynastryResult(
        find_aspects(_aspectable(a), policy, _aspectable(b)), _overlay(a, b), _overlay(b, a)
    )


def _aspectable(chart: ChartResult) -> dict[Body, RawPosition]:
    return {
        Body(name): RawPosition(position.longitude, position.latitude, position.speed)
        for name, position in chart.bodies.items()
        if name != SOUTH_NODE and Body(name) not in ASPECT_EXCLUDED
    }


def _overlay(guest: ChartResult, host: ChartResult) -> dict[str, int] | None:
    if host.houses is None:
        return None
    return {name: house_of(position.longitude, host.houses.cusps) for name, position in guest.bodies.items()}
