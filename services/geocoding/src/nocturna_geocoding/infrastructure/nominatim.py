"""The optional remote `GeocodingProvider`: OpenStreetMap Nominatim through geopy (off unless configured)."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from geopy.geocoders import Nominatim

from nocturna_geocoding.domain.local_time import ZoneLocator
from nocturna_geocoding.domain.places import Place, PlaceQuery


class Geocoder(Protocol):
    """The part of a geopy geocoder this adapter uses (blocking; called in a worker thread)."""

    def geocode(self, query: str, **options: Any) -> Any: ...


class NominatimProvider:
    """Maps Nominatim results to places; their ids are the negated OSM place ids (never a GeoNames id), and
    the zone comes from our own boundaries so it agrees with `/timezone`."""

    def __init__(self, geocoder: Geocoder, locator: ZoneLocator) -> None:
        self._geocoder = geocoder
        self._locator = locator

    async def search(self, query: PlaceQuery) -> list[Place]:
        options: dict[str, Any] = {
            "exactly_one": False,
            "limit": query.limit,
            "addressdetails": True,
            "featuretype": "settlement",
        }
        if query.country:
            options["country_codes"] = query.country.lower()
        locations = await asyncio.to_thread(self._geocoder.geocode, query.text, **options)
        return [self._place(location.raw) for location in locations or []]

    def _place(self, raw: dict[str, Any]) -> Place:
        address: dict[str, str] = raw.get("address", {})
        latitude, longitude = float(raw["lat"]), float(raw["lon"])
        name = raw.get("name") or raw.get("display_name", "").split(",")[0]
        return Place(
            id=-int(raw["place_id"]),
            name=name,
            country_code=address.get("country_code", "").upper(),
            country=address.get("country", ""),
            admin1=address.get("state"),
            latitude=latitude,
            longitude=longitude,
            timezone=self._locator.zone_at(latitude, longitude),
            population=int(raw.get("extratags", {}).get("population", 0) or 0),
        )


def nominatim_geocoder(domain: str, user_agent: str, timeout_seconds: float) -> Geocoder:
    geocoder: Geocoder = Nominatim(domain=domain, user_agent=user_agent, timeout=timeout_seconds)
    return geocoder
