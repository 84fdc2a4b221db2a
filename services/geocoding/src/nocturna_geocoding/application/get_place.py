"""Look up places by id or by position (reverse geocoding)."""

from __future__ import annotations

from nocturna_geocoding.domain.places import Place, PlaceDirectory, check_coordinates


class GetPlaceHandler:
    def __init__(self, places: PlaceDirectory) -> None:
        self._places = places

    async def __call__(self, place_id: int) -> Place | None:
        return await self._places.get(place_id)


class FindNearestPlaceHandler:
    """The populated place nearest to valid coordinates (`InvalidCoordinates` otherwise)."""

    def __init__(self, places: PlaceDirectory) -> None:
        self._places = places

    async def __call__(self, latitude: float, longitude: float) -> Place | None:
        check_coordinates(latitude, longitude)
        return await self._places.nearest(latitude, longitude)
