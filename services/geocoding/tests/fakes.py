from __future__ import annotations

from typing import Any

from nocturna_geocoding.domain.places import Place, PlaceQuery


class InMemoryAnswerCache:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def get(self, key: str) -> Any | None:
        return self.values.get(key)

    async def put(self, key: str, value: Any) -> None:
        self.values[key] = value


class FakeProvider:
    """A provider with fixed answers; `failing` makes every search raise, as an unreachable remote would."""

    def __init__(self, places: list[Place] | None = None, *, failing: bool = False) -> None:
        self.places = places or []
        self.failing = failing
        self.searches = 0

    async def search(self, query: PlaceQuery) -> list[Place]:
        self.searches += 1
        if self.failing:
            raise ConnectionError("remote unreachable")
        return [place for place in self.places if query.text.lower() in place.name.lower()]


class FixedZoneLocator:
    def __init__(self, zone: str) -> None:
        self.zone = zone
        self.lookups = 0

    def zone_at(self, latitude: float, longitude: float) -> str:
        self.lookups += 1
        return self.zone
