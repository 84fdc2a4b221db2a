"""Geocoding: seed time, search latency at concurrency 16 over the full table (uncached), timezone lookups/s.

The service runs as a real process on the benchmark's own database, seeded here (so the seed is timed);
requests go straight to it (no gateway), each search sent once so no answer comes from the cache. It is
measured as one process, and as two processes sharing the port (two replicas on this host: one Python process
uses one core).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine, Mapping
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import uvloop
from nocturna_geocoding.application.resolve_timezone import ResolveTimezoneHandler
from nocturna_geocoding.infrastructure.zones import SystemTimeZoneDatabase, TimezoneFinderLocator
from nocturna_platform.settings import ServiceSettings
from nocturna_platform.testing.service_processes import free_port, running_services, service_command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.http_load import Load, drive_each
from bench.report import milliseconds, percentile, process_cpu_seconds, verdict

CONNECTIONS = 16
SEARCHES = 4_000
WARMUP = 400
TIMEZONES = 6_000
SEARCH_P99_TARGET_MS = 20.0
TIMEZONE_TARGET_PER_SECOND = 2_000.0
PROCESSES = (1, 2)


def run(env: Mapping[str, str]) -> None:
    print(
        f"\n== Geocoding: seed, {SEARCHES - WARMUP:,} uncached searches and timezone lookups, {CONNECTIONS} connections =="
    )
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own service module
        service_command("geocoding", "seed"), env={**env, "LOG__LEVEL": "WARNING"}, check=True, timeout=600
    )
    print(f"seed:      {time.perf_counter() - started:.1f} s (170k places, migrations already applied)")
    rng = random.Random(7)  # noqa: S311 - a reproducible sample, not a secret
    searches = [_search_path(query) for query in _queries(uvloop.run(_place_names(env)), rng)]
    zones = [_timezone_path(rng) for _ in range(TIMEZONES)]
    for processes in PROCESSES:
        _serve_and_drive(env, processes, searches, zones)
    in_process = _timezone_resolutions_per_second(rng)
    print(f"timezone in process: {in_process:,.0f} resolutions/s (zone at the point + wall-time reading)")


def _serve_and_drive(env: Mapping[str, str], processes: int, searches: list[str], zones: list[str]) -> None:
    """`processes` service processes sharing one port (SO_REUSEPORT: the kernel spreads the connections), as
    replicas on one host would; the load generator runs in this process on the same cores."""
    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="nocturna-bench-"))
    # A cache of its own per pass (under the run's prefix, so removed with it): every answer is computed.
    prefix = f"{env.get('REDIS_KEY_PREFIX', '')}pass-{processes}:"
    shared = {**env, "HTTP__REUSE_PORT": "true", "REDIS_KEY_PREFIX": prefix}
    with ExitStack() as stack:
        pids = [
            stack.enter_context(running_services({"geocoding": port}, shared, logs / str(n)))["geocoding"].pid
            for n in range(processes)
        ]
        base = f"http://127.0.0.1:{port}"
        search, search_cpu = _measured(pids, drive_each(base, searches, CONNECTIONS, WARMUP))
        zone, zone_cpu = _measured(pids, drive_each(base, zones, CONNECTIONS, WARMUP))
    shutil.rmtree(logs, ignore_errors=True)
    p99 = percentile(search.latencies, 99) * 1000
    print(
        f"-- {processes} service process(es) on {os.cpu_count()} cores; the load generator used "
        f"{search.cpu_share:.0%} of a core"
    )
    print(f"search:    {_line(search)} · service CPU {search_cpu:.2f} ms per request")
    print(
        f"           p99 {p99:.1f} ms — target ≤ {SEARCH_P99_TARGET_MS:g} ms: {verdict(p99, SEARCH_P99_TARGET_MS, at_most=True)}"
    )
    print(f"timezone:  {_line(zone)} · service CPU {zone_cpu:.2f} ms per request")
    print(
        f"           {zone.per_second:,.0f} lookups/s over HTTP — target ≥ {TIMEZONE_TARGET_PER_SECOND:,.0f}/s: "
        f"{verdict(zone.per_second, TIMEZONE_TARGET_PER_SECOND)}"
    )


def _measured(pids: list[int], driving: Coroutine[Any, Any, Load]) -> tuple[Load, float]:
    """The load, and the service processes' CPU milliseconds per request (warm-up included, a slight excess)."""
    before = sum(map(process_cpu_seconds, pids))
    load = uvloop.run(driving)
    return load, (sum(map(process_cpu_seconds, pids)) - before) * 1000 / load.requests


def _line(load: Load) -> str:
    return (
        f"{load.per_second:,.0f} req/s · {milliseconds(load.latencies, (50, 99))} · "
        f"{load.failures} failed of {load.requests:,}"
    )


async def _place_names(env: Mapping[str, str]) -> list[str]:
    url = ServiceSettings(service_name="geocoding", database_url=env["DATABASE_URL"]).database_url
    engine = create_async_engine(url.get_secret_value())
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT name FROM geocoding.places ORDER BY random() LIMIT :n"), {"n": SEARCHES}
            )
            return [row[0] for row in rows]
    finally:
        await engine.dispose()


def _queries(names: list[str], rng: random.Random) -> list[str]:
    """Whole names, typing-as-you-go prefixes and one-letter typos, as a search box sends them."""
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


def _search_path(query: str) -> str:
    return "/api/v1/geo/places?" + urlencode({"q": query, "limit": 10})


def _timezone_path(rng: random.Random) -> str:
    point = {"lat": round(rng.uniform(-60, 70), 5), "lon": round(rng.uniform(-180, 180), 5)}
    return "/api/v1/geo/timezone?" + urlencode({**point, "local": "1985-07-14T12:00:00"})


def _timezone_resolutions_per_second(rng: random.Random, lookups: int = 20_000) -> float:
    """The timezone use case without HTTP: the zone at a point and the reading of a wall time there."""
    resolve = ResolveTimezoneHandler(TimezoneFinderLocator(), SystemTimeZoneDatabase(), _NoCache())
    points = [(rng.uniform(-60, 70), rng.uniform(-180, 180)) for _ in range(lookups)]
    wall = datetime(1985, 7, 14, 12)  # noqa: DTZ001 - a wall-clock time, read in each zone

    async def resolve_all() -> float:
        started = time.perf_counter()
        for lat, lon in points:
            await resolve(lat, lon, wall)
        return lookups / (time.perf_counter() - started)

    return uvloop.run(resolve_all())


class _NoCache:
    async def get(self, key: str) -> Any | None:
        return None

    async def put(self, key: str, value: Any) -> None:
        return None


if __name__ == "__main__":
    sys.exit("run it with `python -m bench geocoding`")
