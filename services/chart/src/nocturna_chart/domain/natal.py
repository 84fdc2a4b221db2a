"""A natal chart from an engine's raw numbers: signs, houses, south node, aspects, polar fallback."""

from __future__ import annotations

from dataclasses import dataclass, field

from nocturna_chart.domain.aspects import Aspect, AspectPolicy, find_aspects
from nocturna_chart.domain.engine import (
    Body,
    CalculationEngine,
    EngineInfo,
    HousesUnavailable,
    HouseSystem,
    RawPosition,
)
from nocturna_chart.domain.zodiac import house_of, normalize, sign_of

SOUTH_NODE = "south_node"
# The nodes and Lilith are points, not bodies that move on their own: their aspects to each other are noise,
# and the south node only mirrors the north node's.
ASPECT_EXCLUDED = frozenset({Body.TRUE_NODE})


@dataclass(frozen=True, slots=True)
class BodyPosition:
    longitude: float
    latitude: float
    speed: float
    retrograde: bool
    sign: str
    degree: int
    minute: int
    house: int | None

    @classmethod
    def of(cls, raw: RawPosition, cusps: tuple[float, ...] | None) -> BodyPosition:
        sign, degree, minute = sign_of(raw.longitude)
        return cls(
            longitude=raw.longitude,
            latitude=raw.latitude,
            speed=raw.speed,
            retrograde=raw.speed < 0.0,
            sign=sign,
            degree=degree,
            minute=minute,
            house=house_of(raw.longitude, cusps) if cusps is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Angles:
    asc: float
    mc: float
    desc: float
    ic: float
    vertex: float


@dataclass(frozen=True, slots=True)
class Houses:
    system: HouseSystem
    cusps: tuple[float, ...]
    angles: Angles


@dataclass(frozen=True)
class ChartResult:
    """Positions keyed by body name (plus `south_node`), houses (None when the birth time is unknown), aspects."""

    bodies: dict[str, BodyPosition]
    houses: Houses | None
    aspects: list[Aspect]
    engine: EngineInfo
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChartRequest:
    jd_ut: float
    latitude: float
    longitude: float
    house_system: HouseSystem
    with_houses: bool = True
    polar_fallback: HouseSystem = HouseSystem.PORPHYRY


async def calculate_chart(
    engine: CalculationEngine, request: ChartRequest, policy: AspectPolicy
) -> ChartResult:
    warnings: list[str] = []
    # Houses first: a remote engine answers positions with the houses and keeps them for the positions call.
    houses = await _houses(engine, request, warnings) if request.with_houses else None
    raw = await engine.positions(request.jd_ut, engine.bodies)
    cusps = houses.cusps if houses is not None else None
    bodies = {body.value: BodyPosition.of(position, cusps) for body, position in raw.items()}
    node = raw[Body.NORTH_NODE]
    bodies[SOUTH_NODE] = BodyPosition.of(
        RawPosition(normalize(node.longitude + 180.0), -node.latitude, node.speed), cusps
    )
    aspectable = {body: position for body, position in raw.items() if body not in ASPECT_EXCLUDED}
    return ChartResult(bodies, houses, find_aspects(aspectable, policy), engine.info, warnings)


def _go_round_once(cusps: tuple[float, ...]) -> bool:
    """Each cusp follows the previous one and twelve arcs make one circle (Topocentric breaks near the poles)."""
    arcs = [(cusps[(i + 1) % 12] - cusps[i]) % 360.0 for i in range(12)]
    return all(arc > 0.0 for arc in arcs) and abs(sum(arcs) - 360.0) < 1e-6


async def _houses(engine: CalculationEngine, request: ChartRequest, warnings: list[str]) -> Houses:
    system = request.house_system
    try:
        raw = await engine.houses(request.jd_ut, request.latitude, request.longitude, system)
        if not _go_round_once(raw.cusps):
            raise HousesUnavailable(system.value)
    except HousesUnavailable:
        fallback = request.polar_fallback
        if system is fallback:
            raise
        warnings.append(
            f"{system.value} houses are undefined at latitude {request.latitude:g} at this moment; "
            f"{fallback.value} used instead."
        )
        system = fallback
        raw = await engine.houses(request.jd_ut, request.latitude, request.longitude, system)
    angles = Angles(
        asc=raw.asc,
        mc=raw.mc,
        desc=normalize(raw.asc + 180.0),
        ic=normalize(raw.mc + 180.0),
        vertex=raw.vertex,
    )
    return Houses(system, raw.cusps, angles)
