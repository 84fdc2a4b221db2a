"""Aspects computed from longitudes and speeds with our own orb table (the upstream's list is not trusted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from nocturna_chart.domain.engine import Body, RawPosition


class AspectType(StrEnum):
    CONJUNCTION = "conjunction"
    OPPOSITION = "opposition"
    TRINE = "trine"
    SQUARE = "square"
    SEXTILE = "sextile"
    QUINCUNX = "quincunx"
    SEMISEXTILE = "semisextile"
    SEMISQUARE = "semisquare"
    SESQUIQUADRATE = "sesquiquadrate"
    QUINTILE = "quintile"
    BIQUINTILE = "biquintile"


ANGLES: dict[AspectType, float] = {
    AspectType.CONJUNCTION: 0.0,
    AspectType.OPPOSITION: 180.0,
    AspectType.TRINE: 120.0,
    AspectType.SQUARE: 90.0,
    AspectType.SEXTILE: 60.0,
    AspectType.QUINCUNX: 150.0,
    AspectType.SEMISEXTILE: 30.0,
    AspectType.SEMISQUARE: 45.0,
    AspectType.SESQUIQUADRATE: 135.0,
    AspectType.QUINTILE: 72.0,
    AspectType.BIQUINTILE: 144.0,
}
MAJOR = frozenset(
    {AspectType.CONJUNCTION, AspectType.OPPOSITION, AspectType.TRINE, AspectType.SQUARE, AspectType.SEXTILE}
)
DEFAULT_ORBS: dict[AspectType, float] = {
    AspectType.CONJUNCTION: 8.0,
    AspectType.OPPOSITION: 8.0,
    AspectType.TRINE: 7.0,
    AspectType.SQUARE: 7.0,
    AspectType.SEXTILE: 5.0,
    AspectType.QUINCUNX: 3.0,
    AspectType.SEMISEXTILE: 2.0,
    AspectType.SEMISQUARE: 2.0,
    AspectType.SESQUIQUADRATE: 2.0,
    AspectType.QUINTILE: 2.0,
    AspectType.BIQUINTILE: 2.0,
}
MAX_ORB = 12.0
MAX_EXACT_ORB = 1.0
DEFAULT_EXACT_ORB = 10.0 / 60.0


class InvalidOrbs(ValueError):
    """An orb outside [0, MAX_ORB] (or an exactness threshold outside [0, MAX_EXACT_ORB])."""


@dataclass(frozen=True)
class AspectPolicy:
    """Which aspects count and with what orbs: aspects with orb 0 are off; bounds keep results meaningful."""

    orbs: Mapping[AspectType, float]
    exact_orb: float = DEFAULT_EXACT_ORB

    @classmethod
    def of(
        cls,
        overrides: Mapping[AspectType, float] | None = None,
        *,
        minors: bool = True,
        exact_orb: float = DEFAULT_EXACT_ORB,
    ) -> AspectPolicy:
        orbs = {kind: orb for kind, orb in DEFAULT_ORBS.items() if minors or kind in MAJOR}
        for kind, orb in (overrides or {}).items():
            if not 0.0 <= orb <= MAX_ORB:
                raise InvalidOrbs(f"The orb of {kind} must be between 0 and {MAX_ORB:g} degrees.")
            orbs[kind] = orb
        if not 0.0 <= exact_orb <= MAX_EXACT_ORB:
            raise InvalidOrbs(f"The exactness orb must be between 0 and {MAX_EXACT_ORB:g} degrees.")
        return cls({kind: orb for kind, orb in orbs.items() if orb > 0.0}, exact_orb)


@dataclass(frozen=True, slots=True)
class Aspect:
    """`angle` is the actual separation (0 to 180°), `orb` its distance from the aspect's exact angle."""

    a: Body
    b: Body
    type: AspectType
    angle: float
    orb: float
    applying: bool
    exact: bool


def find_aspects(
    positions: Mapping[Body, RawPosition],
    policy: AspectPolicy,
    others: Mapping[Body, RawPosition] | None = None,
) -> list[Aspect]:
    """One aspect per pair, the tightest; within one chart, or between `positions` (a) and `others` (b).

    Applying means the orb shrinks with the bodies' current relative motion.
    """
    table = sorted(
        ((ANGLES[kind], orb, kind) for kind, orb in policy.orbs.items()), key=lambda entry: entry[0]
    )
    items = list(positions.items())
    pairs: list[tuple[Body, RawPosition, Body, RawPosition]]
    if others is None:
        pairs = [(a, pa, b, pb) for i, (a, pa) in enumerate(items) for b, pb in items[i + 1 :]]
    else:
        pairs = [(a, pa, b, pb) for a, pa in items for b, pb in others.items()]
    found: list[Aspect] = []
    for a, pa, b, pb in pairs:
        delta = (pb.longitude - pa.longitude) % 360.0
        if delta > 180.0:
            delta -= 360.0
        separation = abs(delta)
        best: tuple[float, AspectType, float] | None = None
        for angle, max_orb, kind in table:
            deviation = separation - angle
            orb = abs(deviation)
            if orb <= max_orb and (best is None or orb < best[0]):
                best = (orb, kind, deviation)
        if best is None:
            continue
        orb, kind, deviation = best
        separation_rate = (pb.speed - pa.speed) * (1.0 if delta >= 0.0 else -1.0)
        found.append(
            Aspect(
                a=a,
                b=b,
                type=kind,
                angle=separation,
                orb=orb,
                applying=deviation * separation_rate < 0.0,
                exact=orb <= policy.exact_orb,
            )
        )
    return found
