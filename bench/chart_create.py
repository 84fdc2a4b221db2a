"""`POST /api/v1/charts` through the gateway: auth (token verified), quota, a natal chart cast, the chart sealed
and saved with its outbox event, all as real processes (auth, chart, gateway) on the isolated run.

Throughput and latency at 32 connections; errors and latency at 256 (targets: ≥ 400 req/s, p99 ≤ 150 ms, no
errors and no stall). Every request carries another birth, so the result cache misses as new charts do.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import tempfile
from collections.abc import Mapping
from contextlib import ExitStack
from functools import partial
from pathlib import Path

import httpx
import uvloop
from nocturna_platform.testing.service_processes import free_port, migrate, running_services

from bench.births import random_birth
from bench.http_load import Load, RequestBuilder, drive, post_json
from bench.report import milliseconds, percentile, process_cpu_seconds, verdict

PATH = "/api/v1/charts"
SERVICES = ("auth", "chart", "gateway")
TARGET_PER_SECOND = 400.0
TARGET_P99_SECONDS = 0.150
CONCURRENCY = (32, 256)
PROCESSES = {"chart": 1, "gateway": 1}
"""Processes per service (replicas sharing its port). On the 2-core machine two chart and two gateway processes
did worse than one each (119 against 154-177 req/s, 25 Nov 2026): five Python processes, Postgres, Redis and
RabbitMQ on two cores spend the difference switching. More cores, more processes."""
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway bench account


def run(env: Mapping[str, str], seconds: float, warmup_seconds: float, users: int = 64) -> None:
    print(
        f"\n== POST {PATH} through the gateway (auth, quota, cast, sealed save, outbox): "
        f"{seconds:g} s per concurrency after {warmup_seconds:g} s warm-up, {users} users =="
    )
    ports = {service: free_port() for service in SERVICES}
    env = {**env, **_fleet_env(ports)}
    migrate(("auth", "chart"), {**env, "LOG__LEVEL": "WARNING"})
    logs = Path(tempfile.mkdtemp(prefix="nocturna-bench-"))
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    with ExitStack() as stack:
        pids: dict[str, list[int]] = {}
        for service, port in ports.items():
            for number in range(PROCESSES.get(service, 1)):
                started_processes = running_services(
                    {service: port}, {**env, "HTTP__REUSE_PORT": "true"}, logs / f"{service}-{number}"
                )
                pids.setdefault(service, []).append(stack.enter_context(started_processes)[service].pid)
        tokens = asyncio.run(_tokens(gateway, users))
        for connections in CONCURRENCY:
            before: dict[str, float] = {}
            requests = _requests(gateway, tokens)
            started = partial(_cpu, pids, before)
            load = uvloop.run(
                drive(gateway + PATH, connections, seconds, warmup_seconds, started, request=requests)
            )
            cpu = {
                name: (sum(map(process_cpu_seconds, group)) - before[name]) * 1000 / load.requests
                for name, group in pids.items()
            }
            _report(connections, load, cpu)
    shutil.rmtree(logs, ignore_errors=True)
    layout = ", ".join(f"{PROCESSES.get(service, 1)} {service}" for service in SERVICES)
    print(
        f"           processes: {layout} (replicas of one service share its port); the load generator runs "
        f"in this process: all share the machine's {os.cpu_count()} cores with Postgres, Redis and RabbitMQ"
    )


def _cpu(pids: Mapping[str, list[int]], into: dict[str, float]) -> None:
    into.update({name: sum(map(process_cpu_seconds, group)) for name, group in pids.items()})


def _fleet_env(ports: Mapping[str, int]) -> dict[str, str]:
    gateway = f"http://127.0.0.1:{ports['gateway']}"
    return {
        "TOKENS__JWKS_URL": f"http://127.0.0.1:{ports['auth']}/.well-known/jwks.json",
        "TOKENS__ISSUER": gateway,
        "ISSUING__ISSUER": gateway,
        "PASSWORD_HASHING__TIME_COST": "1",
        "PASSWORD_HASHING__MEMORY_COST_KIB": "8192",
        "UPSTREAMS__AUTH": f"http://127.0.0.1:{ports['auth']}",
        "UPSTREAMS__CHART": f"http://127.0.0.1:{ports['chart']}",
        # No subscription service here: the users' plan stays unknown, so the quota check runs against this
        # limit (the projection lookup, this month's count and the saved count are the same queries).
        "QUOTA__UNKNOWN_PLAN_CHARTS_PER_MONTH": "100000000",
        # One client address registers every user and drives the load: limits it never reaches, so the
        # rate-limit check is measured and no answer is a cheap 429.
        "RATE_LIMIT__ANONYMOUS_PER_MINUTE": "100000000",
        "RATE_LIMIT__DEFAULT_PER_MINUTE": "100000000",
    }


async def _tokens(gateway: str, users: int) -> list[str]:
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:

        async def token(index: int) -> str:
            email = f"bench-{os.getpid()}-{index}@example.com"
            registered = await client.post(
                "/api/v1/auth/register", json={"email": email, "password": PASSWORD}
            )
            registered.raise_for_status()
            issued = await client.post(
                "/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
            )
            issued.raise_for_status()
            access: str = issued.json()["access_token"]
            return access

        tokens: list[str] = []
        for start in range(0, users, 8):
            tokens += await asyncio.gather(*(token(i) for i in range(start, min(start + 8, users))))
        return tokens


def _requests(gateway: str, tokens: list[str]) -> RequestBuilder:
    rng = random.Random(5)  # noqa: S311 - reproducible birth data, not secrets
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens]

    def build(connection: int) -> bytes:
        body = json.dumps({"name": "bench", "birth": random_birth(rng), "fold": 0}).encode()
        return post_json(gateway + PATH, body, headers[connection % len(headers)])

    return build


def _report(connections: int, load: Load, cpu: Mapping[str, float]) -> None:
    p99 = percentile(load.latencies, 99)
    print(
        f"c={connections:<4} {load.per_second:8,.0f} req/s · {milliseconds(load.latencies, (50, 99))} · "
        f"{load.failures} failed of {load.requests:,}{_statuses(load)}"
    )
    print(f"{'':<7}CPU per request: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cpu.items()))
    print(
        f"{'':<7}targets: ≥ {TARGET_PER_SECOND:.0f} req/s {verdict(load.per_second, TARGET_PER_SECOND)}; "
        f"p99 ≤ {TARGET_P99_SECONDS * 1000:.0f} ms {verdict(p99, TARGET_P99_SECONDS, at_most=True)}; "
        f"errors {'none' if load.failures == 0 else 'SOME'}"
    )


def _statuses(load: Load) -> str:
    if not load.failures:
        return ""
    counts = (f"{status or 'broken'}: {n}" for status, n in sorted(load.failed_statuses.items()))
    return f" ({', '.join(counts)})"
