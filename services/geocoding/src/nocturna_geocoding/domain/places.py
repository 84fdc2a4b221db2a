"""Places and the rules of searching them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Place:
    """A populated place; `label` names it unambiguously for people (name, first-level area, country)."""

    id: int
    name: str
    country_code: str
    country: str
    admin1: str | None
    latitude: float
    longitude: float
    timezone: str
    population: int

    @property
    def label(self) -> str:
        parts = [self.name]
        if self.admin1 and self.admin1 != self.name:
            parts.append(self.admin1)
        parts.append(self.country or self.country_code)
        return ", ".join(parts)


@dataclass(frozen=True)
class PlaceQuery:
    """A search: free text, an optional ISO 3166-1 alpha-2 country filter, how many results."""

    text: str
    country: str | None
    limit: int


class GeocodingProvider(Protocol):
    """Finds places by name, best first: exact name > prefix > fuzzy, larger places first in each class."""

    async def search(self, query: PlaceQuery) -> list[Place]: ...


class PlaceDirectory(GeocodingProvider, Protocol):
    """The local place data: search, lookup by id, the nearest place to a point, and whether it is loaded."""

    async def get(self, place_id: int) -> Place | None: ...

    async def nearest(self, latitude: float, longitude: float) -> Place | None: ...


class InvalidCoordinates(ValueError):
    """Raised with the offending field names when a latitude/longitude pair is out of range or not finite."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(f"{name}: {reason}" for name, reason in fields.items()))
        self.fields = fields


def check_coordinates(latitude: float, longitude: float) -> None:
    """Latitude in -90..90 and longitude in -180..180, both finite numbers."""
    problems: dict[str, str] = {}
    for name, value, bound in (("lat", latitude, 90.0), ("lon", longitude, 180.0)):
        if not math.isfinite(value):
            problems[name] = "must be a finite number"
        elif not -bound <= value <= bound:
            problems[name] = f"must be between -{bound:g} and {bound:g}"
    if problems:
        raise InvalidCoordinates(problems)


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
