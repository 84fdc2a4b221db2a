from __future__ import annotations

import pytest
from sqlalchemy import text

from services.geocoding.tests.conftest import GeocodingHarness

pytestmark = pytest.mark.integration


async def _counts(geocoding: GeocodingHarness) -> tuple[int, int, int, int]:
    engine = geocoding.service.shell.engine
    assert engine is not None
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT (SELECT count(*) FROM places), (SELECT count(*) FROM place_names),"
                    " (SELECT count(*) FROM countries), (SELECT count(*) FROM places WHERE admin1 IS NOT NULL)"
                )
            )
        ).one()
    return row[0], row[1], row[2], row[3]


async def test_the_seed_loads_every_city_of_at_least_1000_people(geocoding: GeocodingHarness) -> None:
    places, names, countries, with_admin1 = await _counts(geocoding)
    assert geocoding.first_seed.places == places > 170_000
    assert geocoding.first_seed.names == names > 800_000
    assert countries > 240
    assert with_admin1 > 0.95 * places
    print(f"\nseed: {geocoding.first_seed.seconds:.1f} s for {places} places and {names} names")  # noqa: T201


async def test_seeding_twice_changes_nothing(geocoding: GeocodingHarness) -> None:
    before = await _counts(geocoding)
    again = await geocoding.service.seeder.seed()
    assert again.skipped
    assert await _counts(geocoding) == before


async def test_the_service_is_ready_once_places_are_loaded(geocoding: GeocodingHarness) -> None:
    response = await geocoding.client.get("/health/ready")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["places"] == "ok"
