"""Composition root of the geocoding service."""

from __future__ import annotations

import argparse
from pathlib import Path

from fastapi import FastAPI
from nocturna_platform.caching import RedisJsonCache
from nocturna_platform.http.health import ReadinessError
from nocturna_platform.shell import Persistence, ServiceShell

from nocturna_geocoding.api.routes import router
from nocturna_geocoding.application.get_place import FindNearestPlaceHandler, GetPlaceHandler
from nocturna_geocoding.application.resolve_timezone import ResolveTimezoneHandler
from nocturna_geocoding.application.search_places import SearchPlacesHandler
from nocturna_geocoding.application.use_cases import GeocodingUseCases
from nocturna_geocoding.infrastructure.geonames_seed import DATASET, GeoNamesSeeder
from nocturna_geocoding.infrastructure.nominatim import NominatimProvider, nominatim_geocoder
from nocturna_geocoding.infrastructure.sql_places import SERVER_SETTINGS, SqlPlaceDirectory
from nocturna_geocoding.infrastructure.tables import SCHEMA
from nocturna_geocoding.infrastructure.zones import SystemTimeZoneDatabase, TimezoneFinderLocator
from nocturna_geocoding.settings import GeocodingSettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class PlacesLoadedCheck:
    """Readiness: the service answers only once the seed has loaded its dataset. A reseed replaces the data
    in one transaction, so once loaded the places stay loaded and the count is not repeated on every probe."""

    name = "places"

    def __init__(self, seeder: GeoNamesSeeder) -> None:
        self._seeder = seeder
        self._loaded = False

    async def check(self) -> None:
        if not self._loaded:
            self._loaded = await self._seeder.loaded()
        if not self._loaded:
            raise ReadinessError("places are not seeded yet")


class GeocodingService:
    def __init__(self, settings: GeocodingSettings | None = None) -> None:
        settings = settings or GeocodingSettings()
        self.shell = shell = ServiceShell(
            settings,
            persistence=Persistence(SCHEMA, MIGRATIONS, server_settings=SERVER_SETTINGS),
            uses_broker=False,
        )
        assert shell.engine is not None
        self.seeder = GeoNamesSeeder(shell.engine)
        places = SqlPlaceDirectory(shell.engine)
        locator = TimezoneFinderLocator()
        remote = None
        if settings.remote.enabled:
            geocoder = nominatim_geocoder(
                settings.remote.domain, settings.remote.user_agent, settings.remote.timeout_seconds
            )
            remote = NominatimProvider(geocoder, locator)
        self.cache = cache = RedisJsonCache(
            shell.redis,
            f"{settings.redis_key_prefix}geocoding:",
            settings.cache.ttl_seconds,
            local_entries=settings.cache.local_entries,
            metric_name="geocoding_answer_cache",
            registry=shell.metrics.registry,
        )
        shell.on_stop(cache.flush)
        self.use_cases = GeocodingUseCases(
            search_places=SearchPlacesHandler(places, cache, DATASET, remote),
            get_place=GetPlaceHandler(places),
            find_nearest_place=FindNearestPlaceHandler(places),
            resolve_timezone=ResolveTimezoneHandler(locator, SystemTimeZoneDatabase(), cache),
        )
        self.app: FastAPI = shell.create_app(
            title="Nocturna geocoding",
            version="1.0.0",
            routers=[router],
            extra_checks=[PlacesLoadedCheck(self.seeder)],
        )
        self.app.state.use_cases = self.use_cases


def configure_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="reload even if this dataset is loaded")


async def seed(shell: ServiceShell, args: argparse.Namespace) -> None:
    """`nocturna-geocoding seed`: load the GeoNames places once (a no-op when already loaded)."""
    assert shell.engine is not None
    report = await GeoNamesSeeder(shell.engine).seed(force=args.force)
    state = "already loaded" if report.skipped else f"loaded in {report.seconds:.1f} s"
    print(f"{report.dataset}: {report.places} places, {report.names} names, {state}")  # noqa: T201
