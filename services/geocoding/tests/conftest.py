from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from nocturna_geocoding.bootstrap import GeocodingService
from nocturna_geocoding.infrastructure.geonames_seed import SeedReport
from nocturna_geocoding.settings import GeocodingSettings
from nocturna_platform.testing.serving import serving


@dataclass
class GeocodingHarness:
    service: GeocodingService
    client: httpx.AsyncClient
    first_seed: SeedReport
    seed_wall_seconds: float


@pytest.fixture(scope="session")
async def geocoding(test_env: dict[str, str]) -> AsyncIterator[GeocodingHarness]:
    """One geocoding service for the whole run, seeded once with the full GeoNames dataset (~20-30 s)."""
    service = GeocodingService(GeocodingSettings())
    async with serving(service, base_url="http://geocoding.test") as client:
        started = time.perf_counter()
        report = await service.seeder.seed()
        yield GeocodingHarness(service, client, report, time.perf_counter() - started)
