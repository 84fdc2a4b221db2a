"""Transits to a natal chart: where the bodies are at a moment, their natal houses and aspects to natal points."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_chart.domain.aspects import Aspect, AspectPolicy, find_aspects
from nocturna_chart.domain.engine import Body, CalculationEngine, EngineInfo, RawPosition
from nocturna_chart.domain.natal import ASPECT_EXCLUDED, SOUTH_NODE, BodyPosition, ChartResult
from nocturna_chart.domain.zodiac import normalize


@dataclass(frozen=True)
class TransitResult:
    """`bodies[...].house` is the natal house (None without natal houses); aspects are transiting (a) → natal (b)."""

    bodies: dict[str, BodyPosition]
    aspects: list[Aspect]
    engine: EngineInfo


async def calculate_transits(
    engine: CalculationEngine, jd_ut: float, natal: ChartResult, policy: AspectPolicy
) -> TransitResult:
    raw = await engine.positions(jd_ut, engine.bodies)
    cusps = natal.houses.cusps if natal.houses is not None else None
    bodies = {body.value: BodyPosition.of(position, cusps) for body, position in raw.items()}
    node = raw[Body.NORTH_NODE]
    bodies[SOUTH_NODE] = BodyPosition.of(
        RawPosition(normalize(node.longitude + 180.0), -node.latitude, node.speed), cusps
    )
    # Natal points stand still: only the transiting body's motion decides applying or separating.
    fixed = {
        Body(name): RawPosition(position.longitude, position.latitude, 0.0)
        for name, position in natal.bodies.items()
        if name != SOUTH_NODE and Body(name) not in ASPECT_EXCLUDED
    }
    moving = {body: position for body, position in raw.items() if body not in ASPECT_EXCLUDED}
    return TransitResult(bodies, find_aspects(moving, policy, fixed), engine.info)
