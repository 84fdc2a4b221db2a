"""Benchmarks of the auth service: access-token verification cost, refresh-grant throughput, login latency.

`python services/auth/bench.py [--verifications N] [--seconds S] [--concurrency C] [--logins N]` runs them on
an isolated run of the infrastructure (own database, exchange, Redis prefix; removed afterwards) with the
auth service in-process on real Postgres and Redis and the configured (default) argon2id parameters.
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from time import perf_counter, process_time

import httpx
from nocturna_auth.bootstrap import AuthService
from nocturna_auth.infrastructure.passwords import Argon2PasswordHasher
from nocturna_auth.settings import AuthSettings
from nocturna_platform.security.jwks import StaticKeySet
from nocturna_platform.security.verifier import TokenVerifier
from nocturna_platform.testing.serving import serving

PASSWORD = "benchmark passphrase, long enough"  # noqa: S105 - a benchmark account
TOKEN_PATH = "/api/v1/auth/token"  # noqa: S105 - a path


def _report(line: str) -> None:
    print(line)  # noqa: T201 - benchmarks report by printing


def _percentile(samples: Sequence[float], percent: float) -> float:
    ordered = sorted(samples)
    return ordered[max(round(percent / 100 * len(ordered)) - 1, 0)]


async def _register(client: httpx.AsyncClient) -> str:
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    response = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    return email


async def _password_grant(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post(
        TOKEN_PATH, data={"grant_type": "password", "username": email, "password": PASSWORD}
    )
    response.raise_for_status()
    body: dict[str, str] = response.json()
    return body


async def token_verification(service: AuthService, client: httpx.AsyncClient, count: int) -> None:
    """The platform verifier every service runs, keys already cached (a warm JWKS): µs per token."""
    token = (await _password_grant(client, await _register(client)))["access_token"]
    keys = StaticKeySet.from_jwks((await client.get("/.well-known/jwks.json")).json())
    issuing = service.shell.settings
    assert isinstance(issuing, AuthSettings)
    settings = issuing.tokens.model_copy(
        update={"issuer": issuing.issuing.issuer, "audience": issuing.issuing.audience}
    )
    verifier = TokenVerifier(settings, keys, lambda: datetime.now(UTC))
    for _ in range(200):
        await verifier.verify(token)
    started, cpu = perf_counter(), process_time()
    for _ in range(count):
        await verifier.verify(token)
    wall, cpu = perf_counter() - started, process_time() - cpu
    _report(
        f"token verification (platform TokenVerifier, ES256, warm key set): {wall / count * 1e6:.0f} µs/op "
        f"wall, {cpu / count * 1e6:.0f} µs/op CPU over {count} tokens"
    )


async def refresh_throughput(client: httpx.AsyncClient, seconds: float, concurrency: int) -> None:
    """`concurrency` sessions, each refreshing its own chain in a closed loop for `seconds`."""
    chains = [
        (await _password_grant(client, await _register(client)))["refresh_token"] for _ in range(concurrency)
    ]
    latencies: list[float] = []
    failures = 0
    deadline = perf_counter() + seconds

    async def chain(refresh_token: str) -> None:
        nonlocal failures
        while perf_counter() < deadline:
            started = perf_counter()
            response = await client.post(
                TOKEN_PATH, data={"grant_type": "refresh_token", "refresh_token": refresh_token}
            )
            latencies.append(perf_counter() - started)
            if response.status_code != 200:
                failures += 1
                return
            refresh_token = response.json()["refresh_token"]

    started = perf_counter()
    await asyncio.gather(*(chain(token) for token in chains))
    elapsed = perf_counter() - started
    _report(
        f"refresh grant: {len(latencies) / elapsed:.0f} req/s with {concurrency} concurrent sessions over "
        f"{elapsed:.1f} s (p50 {_percentile(latencies, 50) * 1000:.1f} ms, "
        f"p99 {_percentile(latencies, 99) * 1000:.1f} ms, failures {failures})"
    )


async def login_latency(service: AuthService, client: httpx.AsyncClient, logins: int) -> None:
    """Sequential password grants (argon2id verify + session + refresh token + signing), and the hash alone."""
    settings = service.shell.settings
    assert isinstance(settings, AuthSettings)
    hashing = settings.password_hashing
    email = await _register(client)
    await _password_grant(client, email)
    samples = []
    for _ in range(logins):
        started = perf_counter()
        await _password_grant(client, email)
        samples.append(perf_counter() - started)
    hasher = Argon2PasswordHasher(hashing.time_cost, hashing.memory_cost_kib, hashing.parallelism)
    stored = await hasher.hash(PASSWORD)
    hash_samples = []
    for _ in range(min(logins, 20)):
        started = perf_counter()
        await hasher.verify(stored, PASSWORD)
        hash_samples.append(perf_counter() - started)
    _report(
        f"login (password grant, argon2id t={hashing.time_cost} m={hashing.memory_cost_kib} KiB "
        f"p={hashing.parallelism}): p50 {_percentile(samples, 50) * 1000:.0f} ms, "
        f"p99 {_percentile(samples, 99) * 1000:.0f} ms over {logins} sequential logins; "
        f"argon2id verify alone: median {statistics.median(hash_samples) * 1000:.0f} ms"
    )


async def run(
    verifications: int = 20_000, seconds: float = 10.0, concurrency: int = 16, logins: int = 50
) -> None:
    service = AuthService(AuthSettings())
    async with serving(service, base_url="http://auth.bench") as client:
        await token_verification(service, client, verifications)
        await refresh_throughput(client, seconds, concurrency)
        await login_latency(service, client, logins)


def main(argv: Sequence[str] | None = None) -> None:
    from nocturna_platform.testing.infrastructure import Infrastructure
    from nocturna_platform.testing.isolated_run import isolated_run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verifications", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="refresh load duration")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent refreshing sessions")
    parser.add_argument("--logins", type=int, default=50)
    args = parser.parse_args(argv)
    with Infrastructure.acquire() as infrastructure, isolated_run(infrastructure, label="auth-bench") as run_:
        os.environ.update(run_.env(LOG__LEVEL="ERROR"))
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        _report(f"auth bench on {os.cpu_count()} cores (load average before: {load})")
        asyncio.run(run(args.verifications, args.seconds, args.concurrency, args.logins))


if __name__ == "__main__":
    main()
