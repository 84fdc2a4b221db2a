"""Geocoding benchmarks: seed time, search latency at concurrency 16 over the full table, timezone lookups/s.

    DATABASE_URL=postgresql://… REDIS_URL=redis://… python -m services.geocoding.bench [--reseed]

Requests go in-process to the ASGI app (no network hop, no gateway): "direct to the service". Every search
query is sent once with a fresh Redis key prefix, so the figures are for uncached searches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from typing import Any

import httpx
from nocturna_geocoding.bootstrap import GeocodingService
from nocturna_geocoding.domain.places import PlaceQuery
from nocturna_geocoding.infrastructure.sql_places import SqlPlaceDirectory
from nocturna_geocoding.infrastructure.zones import TimezoneFinderLocator
from nocturna_geocoding.settings import GeocodingSettings
from nocturna_platform.testing.serving import serving
from sqlalchemy import text

CONCURRENCY = 16
SEARCHES = 2_000
TIMEZONE_LOOKUPS = 20_000


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _queries(names: list[str], rng: random.Random) -> list[str]:
    """A mix of whole names, typing-as-you-go prefixes and one-letter typos, as a search box sends them."""
    queries = []
    for name in names:
        kind = rng.random()
        if kind < 0.4 or len(name) < 5:
            queries.append(name)
        elif kind < 0.8:
            queries.append(name[: rng.randint(3, len(name) - 1)])
        else:
            at = rng.randrange(1, len(name) - 1)
            queries.append(name[:at] + name[at + 1 :])
    return queries


async def _search_latencies(client: httpx.AsyncClient, queries: list[str]) -> list[float]:
    pending = iter(queries)
    latencies: list[float] = []

    async def worker() -> None:
        for query in pending:
            started = time.perf_counter()
            response = await client.get("/api/v1/geo/places", params={"q": query, "limit": 10})
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


async def _direct_search_latencies(
    service: GeocodingService, queries: list[str], concurrency: int = CONCURRENCY
) -> list[float]:
    """The same load on the Postgres adapter alone: what the HTTP stack adds is the difference."""
    directory = SqlPlaceDirectory(service.shell.engine)  # type: ignore[arg-type]
    pending = iter(queries)
    latencies: list[float] = []

    async def worker() -> None:
        for query in pending:
            started = time.perf_counter()
            await directory.search(PlaceQuery(query, None, 10))
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


async def _timezone_requests_per_second(
    client: httpx.AsyncClient, points: list[tuple[float, float]]
) -> float:
    pending = iter(points)

    async def worker() -> None:
        for lat, lon in pending:
            response = await client.get(
                "/api/v1/geo/timezone", params={"lat": lat, "lon": lon, "local": "1985-07-14T12:00:00"}
            )
            response.raise_for_status()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return len(points) / (time.perf_counter() - started)


async def run_benchmarks(reseed: bool = False, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 (a reproducible sample, not a secret)
    settings = GeocodingSettings(redis_key_prefix=f"bench-{uuid.uuid4().hex[:8]}:")
    service = GeocodingService(settings)
    results: dict[str, Any] = {}
    async with serving(service, base_url="http://geocoding.bench") as client:
        report = await service.seeder.seed(force=reseed)
        results["seed_seconds"] = round(report.seconds, 2)
        results["seed_skipped"] = report.skipped
        results["places"] = report.places
        results["names"] = report.names
        assert service.shell.engine is not None
        async with service.shell.engine.connect() as connection:
            names = [
                row[0]
                for row in await connection.execute(
                    text("SELECT name FROM places ORDER BY random() LIMIT :n"), {"n": SEARCHES}
                )
            ]
        await _search_latencies(client, _queries(names[:100], rng))  # warm the pool and the buffer cache
        latencies = await _search_latencies(client, _queries(names, rng))
        results["search_concurrency"] = CONCURRENCY
        results["search_requests"] = len(latencies)
        results["search_p50_ms"] = round(statistics.median(latencies) * 1000, 2)
        results["search_p99_ms"] = round(_percentile(latencies, 0.99) * 1000, 2)
        direct = await _direct_search_latencies(service, _queries(names, rng))
        results["search_sql_p50_ms"] = round(statistics.median(direct) * 1000, 2)
        results["search_sql_p99_ms"] = round(_percentile(direct, 0.99) * 1000, 2)
        sequential = await _direct_search_latencies(service, _queries(names[:500], rng), concurrency=1)
        results["search_sql_sequential_p50_ms"] = round(statistics.median(sequential) * 1000, 2)
        results["search_sql_sequential_p99_ms"] = round(_percentile(sequential, 0.99) * 1000, 2)
        points = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(2_000)]
        results["timezone_http_requests_per_second"] = round(
            await _timezone_requests_per_second(client, points)
        )
    locator = TimezoneFinderLocator()
    points = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(TIMEZONE_LOOKUPS)]
    started = time.perf_counter()
    for lat, lon in points:
        locator.zone_at(lat, lon)
    results["timezone_lookups_per_second"] = round(TIMEZONE_LOOKUPS / (time.perf_counter() - started))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reseed", action="store_true", help="reload the dataset to measure the seed time")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run_benchmarks(reseed=args.reseed)), indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
