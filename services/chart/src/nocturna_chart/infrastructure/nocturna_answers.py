"""Nocturna Calculations' request and answer shapes mapped onto our raw engine model, and back.

Pure functions, no I/O: the remote adapter sends what `natal_chart_body` builds and reads answers with
`positions_of` and `houses_of`. Upstream's aspect list is never read: the domain computes aspects itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from nocturna_chart.domain.engine import Body, HouseSystem, RawHouses, RawPosition
from nocturna_chart.domain.zodiac import normalize

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
UNIX_EPOCH_JD = 2440587.5
SECONDS_PER_DAY = 86400.0

UPSTREAM_BODIES: dict[Body, str] = {
    Body.SUN: "SUN",
    Body.MOON: "MOON",
    Body.MERCURY: "MERCURY",
    Body.VENUS: "VENUS",
    Body.MARS: "MARS",
    Body.JUPITER: "JUPITER",
    Body.SATURN: "SATURN",
    Body.URANUS: "URANUS",
    Body.NEPTUNE: "NEPTUNE",
    Body.PLUTO: "PLUTO",
    Body.NORTH_NODE: "NORTH_NODE",  # mean node
    Body.LILITH: "LILITH",  # mean lunar apogee
}
UPSTREAM_SYSTEMS: dict[HouseSystem, str] = {
    HouseSystem.PLACIDUS: "PLACIDUS",
    HouseSystem.KOCH: "KOCH",
    HouseSystem.EQUAL: "EQUAL",
    HouseSystem.WHOLE_SIGN: "WHOLE_SIGN",
    HouseSystem.CAMPANUS: "CAMPANUS",
    HouseSystem.REGIOMONTANUS: "REGIOMONTANUS",
}
# Porphyry is derived from the ascendant and MC of an Equal answer: it only trisects the quadrants.
DERIVED_SYSTEMS = frozenset({HouseSystem.PORPHYRY})
POLAR_SYSTEMS = frozenset({HouseSystem.PLACIDUS, HouseSystem.KOCH})
# Positions alone: any system answers at the equator; Equal is the cheapest for upstream.
POSITIONS_SYSTEM = HouseSystem.EQUAL


class MalformedAnswer(ValueError):
    """A 200 answer that does not have the documented shape."""


def upstream_instant(jd_ut: float) -> tuple[datetime, float]:
    """The whole UT second upstream is asked for (`HH:MM:SS` is its resolution) and the rest, in days."""
    seconds = (jd_ut - UNIX_EPOCH_JD) * SECONDS_PER_DAY
    whole = round(seconds)
    return UNIX_EPOCH + timedelta(seconds=whole), (seconds - whole) / SECONDS_PER_DAY


def natal_chart_body(at: datetime, latitude: float, longitude: float, system: HouseSystem) -> dict[str, Any]:
    """Our resolved UT instant with zone `UTC`: upstream then converts nothing (it ignores DST gaps and folds)."""
    return {
        "date": at.strftime("%Y-%m-%d"),
        "time": at.strftime("%H:%M:%S"),
        "latitude": latitude,
        "longitude": longitude,
        "timezone": "UTC",
        "house_system": UPSTREAM_SYSTEMS[system],
    }


def chart_data(answer: Any) -> Mapping[str, Any]:
    """`data` of a `{"success": true, "data": {...}}` answer."""
    if not isinstance(answer, Mapping) or answer.get("success") is not True:
        raise MalformedAnswer("not a success answer")
    data = answer.get("data")
    if not isinstance(data, Mapping):
        raise MalformedAnswer("no data")
    return data


def positions_of(
    data: Mapping[str, Any], bodies: tuple[Body, ...], rest_days: float
) -> dict[Body, RawPosition]:
    """Positions at the asked instant: upstream's (at the whole second) moved on by its speed for the rest."""
    planets = data.get("planets")
    if not isinstance(planets, Mapping):
        raise MalformedAnswer("no planets")
    result = {}
    for body in bodies:
        planet = planets.get(UPSTREAM_BODIES[body])
        if not isinstance(planet, Mapping):
            raise MalformedAnswer(f"no {body.value}")
        longitude, latitude, speed = (_number(planet, name) for name in ("longitude", "latitude", "speed"))
        result[body] = RawPosition(normalize(longitude + speed * rest_days), latitude, speed)
    return result


def houses_of(data: Mapping[str, Any], jd_ut: float, latitude: float, system: HouseSystem) -> RawHouses:
    """Cusps as given (Porphyry derived from the angles); the Vertex, which upstream omits, computed here."""
    houses = data.get("houses")
    if not isinstance(houses, Mapping):
        raise MalformedAnswer("no houses")
    angles = houses.get("angles")
    cusps = houses.get("cusps")
    if not isinstance(angles, Mapping) or not isinstance(cusps, list) or len(cusps) != 12:
        raise MalformedAnswer("houses need 12 cusps and the angles")
    asc, mc = _number(angles, "ASC"), _number(angles, "MC")
    if system is HouseSystem.PORPHYRY:
        cusp_values = porphyry_cusps(asc, mc)
    else:
        cusp_values = tuple(_as_float(value) for value in cusps)
    return RawHouses(cusp_values, asc, mc, vertex_of(mc, true_obliquity(jd_ut), latitude))


def houses_undefined(system: HouseSystem, latitude: float, jd_ut: float) -> bool:
    """Placidus and Koch have no cusps where the ecliptic can be circumpolar (upstream answers 500 there)."""
    return system in POLAR_SYSTEMS and abs(latitude) >= 90.0 - true_obliquity(jd_ut)


def true_obliquity(jd_ut: float) -> float:
    """IAU 1980 mean obliquity plus the four largest nutation terms: within 0.1″ of the Swiss Ephemeris."""
    t = (jd_ut - 2451545.0) / 36525.0
    mean = 23.439291111 - (46.8150 * t + 0.00059 * t * t - 0.001813 * t**3) / 3600.0
    node = math.radians(125.04452 - 1934.136261 * t)
    sun = math.radians(280.4665 + 36000.7698 * t)
    moon = math.radians(218.3165 + 481267.8813 * t)
    nutation = (
        9.20 * math.cos(node)
        + 0.57 * math.cos(2 * sun)
        + 0.10 * math.cos(2 * moon)
        - 0.09 * math.cos(2 * node)
    )
    return mean + nutation / 3600.0


def ascendant(armc: float, obliquity: float, latitude: float) -> float:
    a, e, p = math.radians(armc), math.radians(obliquity), math.radians(latitude)
    return normalize(
        math.degrees(math.atan2(math.cos(a), -(math.sin(a) * math.cos(e) + math.tan(p) * math.sin(e))))
    )


def vertex_of(mc: float, obliquity: float, latitude: float) -> float:
    """The western intersection of prime vertical and ecliptic, as the Swiss Ephemeris places it."""
    m, e = math.radians(mc), math.radians(obliquity)
    armc = normalize(math.degrees(math.atan2(math.sin(m) * math.cos(e), math.cos(m))))
    colatitude = 90.0 - latitude if latitude >= 0.0 else -90.0 - latitude
    vertex = ascendant(normalize(armc - 180.0), obliquity, colatitude)
    if abs(latitude) <= obliquity and (vertex - mc + 180.0) % 360.0 - 180.0 > 0.0:
        vertex = normalize(vertex + 180.0)
    return vertex


def porphyry_cusps(asc: float, mc: float) -> tuple[float, ...]:
    """Each quadrant between the angles divided in three equal arcs (the Swiss Ephemeris' Porphyry)."""
    if (asc - mc) % 360.0 > 180.0:  # circumpolar ecliptic: the ascendant is taken on the other side
        asc = normalize(asc + 180.0)
    upper = (asc - mc) % 360.0 / 3.0
    lower = (180.0 - 3.0 * upper) / 3.0
    first = [asc, asc + lower, asc + 2 * lower, mc + 180.0, mc + 180.0 + upper, mc + 180.0 + 2 * upper]
    return tuple(normalize(cusp) for cusp in first + [cusp + 180.0 for cusp in first])


def _number(values: Mapping[str, Any], name: str) -> float:
    return _as_float(values.get(name))


def _as_float(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedAnswer("a number was expected")
    return float(value)
