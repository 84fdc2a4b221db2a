"""Signs, degrees within a sign and house placement, from longitudes alone."""

from __future__ import annotations

from collections.abc import Sequence

SIGNS = (
    "aries",
    "taurus",
    "gemini",
    "cancer",
    "leo",
    "virgo",
    "libra",
    "scorpio",
    "sagittarius",
    "capricorn",
    "aquarius",
    "pisces",
)


def normalize(longitude: float) -> float:
    value = longitude % 360.0
    return 0.0 if value == 360.0 else value


def sign_of(longitude: float) -> tuple[str, int, int]:
    """The sign, whole degree (0 to 29) and whole arcminute (0 to 59) of a longitude, truncated as almanacs print."""
    lon = normalize(longitude)
    index = min(int(lon // 30.0), 11)
    within = lon - 30.0 * index
    degree = min(int(within), 29)
    minute = min(int((within - degree) * 60.0), 59)
    return SIGNS[index], degree, minute


def house_of(longitude: float, cusps: Sequence[float]) -> int:
    """The house (1 to 12) whose arc from its cusp, counted forward, holds the longitude."""
    lon = normalize(longitude)
    for i in range(12):
        start = cusps[i]
        span = (cusps[(i + 1) % 12] - start) % 360.0
        if (lon - start) % 360.0 < span:
            return i + 1
    return 1  # only reachable with degenerate (all equal) cusps
