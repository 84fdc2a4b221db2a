"""The zone at a point and the reading of a wall-clock time in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nocturna_geocoding.application.cache import AnswerCache
from nocturna_geocoding.domain.local_time import (
    LocalTimeResolution,
    TimeZoneDatabase,
    ZoneLocator,
    resolve_local_time,
)
from nocturna_geocoding.domain.places import check_coordinates


@dataclass(frozen=True)
class TimezoneAnswer:
    resolution: LocalTimeResolution
    tzdata_version: str


class ResolveTimezoneHandler:
    """The zone lookup is cached by coordinates (to 5 decimals, ~1 m); the wall-time arithmetic is cheaper
    than a cache round trip and is always recomputed from the tz database."""

    def __init__(self, locator: ZoneLocator, database: TimeZoneDatabase, cache: AnswerCache) -> None:
        self._locator = locator
        self._database = database
        self._cache = cache

    async def __call__(self, latitude: float, longitude: float, local: datetime) -> TimezoneAnswer:
        check_coordinates(latitude, longitude)
        key = f"zone:{latitude:.5f}:{longitude:.5f}"
        zone_name = await self._cache.get(key)
        if not isinstance(zone_name, str):
            zone_name = self._locator.zone_at(latitude, longitude)
            await self._cache.put(key, zone_name)
        resolution = resolve_local_time(zone_name, self._database.zone(zone_name), local)
        return TimezoneAnswer(resolution, self._database.version)
