from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nocturna_geocoding.domain.places import PlaceQuery
from nocturna_geocoding.infrastructure.nominatim import NominatimProvider

from services.geocoding.tests.fakes import FixedZoneLocator


@dataclass
class _Location:
    raw: dict[str, Any]


class _StubGeopy:
    """Stands in for geopy's Nominatim (a third-party client): records options, answers one settlement."""

    def __init__(self) -> None:
        self.options: dict[str, Any] = {}

    def geocode(self, query: str, **options: Any) -> list[_Location]:
        self.options = {"query": query, **options}
        return [
            _Location(
                {
                    "place_id": 123456,
                    "lat": "43.7311",
                    "lon": "7.4197",
                    "name": "Monaco",
                    "address": {"country_code": "mc", "country": "Monaco"},
                    "extratags": {"population": "38350"},
                }
            )
        ]


async def test_remote_results_become_places_with_our_zone_and_a_negative_id() -> None:
    geopy = _StubGeopy()
    provider = NominatimProvider(geopy, FixedZoneLocator("Europe/Monaco"))
    [place] = await provider.search(PlaceQuery("Monaco", "MC", 3))
    assert geopy.options["country_codes"] == "mc"
    assert geopy.options["limit"] == 3
    assert (place.id, place.country_code, place.timezone, place.population) == (
        -123456,
        "MC",
        "Europe/Monaco",
        38350,
    )
    assert place.label == "Monaco, Monaco"
