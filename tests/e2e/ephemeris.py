"""The reference the journeys check chart positions against: raw pyswisseph (Moshier), which the chart
service's local engine is specified to equal to < 1″ — computed here for the instant the service reports.
"""

from __future__ import annotations

from datetime import UTC, datetime

import swisseph as swe

BODIES = {
    "sun": swe.SUN,
    "moon": swe.MOON,
    "mercury": swe.MERCURY,
    "venus": swe.VENUS,
    "mars": swe.MARS,
    "jupiter": swe.JUPITER,
    "saturn": swe.SATURN,
    "uranus": swe.URANUS,
    "neptune": swe.NEPTUNE,
    "pluto": swe.PLUTO,
    "north_node": swe.MEAN_NODE,
    "true_node": swe.TRUE_NODE,
    "lilith": swe.MEAN_APOG,
}
UNIX_EPOCH_JULIAN_DAY = 2440587.5


def julian_day(instant: datetime) -> float:
    return UNIX_EPOCH_JULIAN_DAY + instant.astimezone(UTC).timestamp() / 86_400


def longitudes(instant: datetime) -> dict[str, float]:
    """Ecliptic longitude of every body the service reports, at `instant`."""
    day = julian_day(instant)
    return {
        name: swe.calc_ut(day, body, swe.FLG_MOSEPH | swe.FLG_SPEED)[0][0] for name, body in BODIES.items()
    }


def placidus_cusps(instant: datetime, latitude: float, longitude: float) -> list[float]:
    cusps, _ = swe.houses_ex(julian_day(instant), latitude, longitude, b"P")
    return list(cusps[:12])


def arcseconds_apart(a: float, b: float) -> float:
    """Angular distance of two longitudes in arcseconds, across 0°/360°."""
    return abs((a - b + 180) % 360 - 180) * 3600
