"""The handlers the routes call, built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_geocoding.application.get_place import FindNearestPlaceHandler, GetPlaceHandler
from nocturna_geocoding.application.resolve_timezone import ResolveTimezoneHandler
from nocturna_geocoding.application.search_places import SearchPlacesHandler


@dataclass(frozen=True)
class GeocodingUseCases:
    search_places: SearchPlacesHandler
    get_place: GetPlaceHandler
    find_nearest_place: FindNearestPlaceHandler
    resolve_timezone: ResolveTimezoneHandler
