"""The mixed load and the step load through the gateway of the whole fleet, driven by locust.

The fleet of `tests/e2e/fleet.py` (two replicas of chart, subscription and gateway behind their balancers; auth
and geocoding once) runs as real processes on the benchmark's isolated run. A pool of accounts is signed up
first, each given the business plan by an admin (no monthly quota) and one chart; none of that is measured.
Then locust, in its own process (`bench/load_users.py`), plays one user per account at a steady rate:

- `load`: the steady mixed workload for `seconds` after a warm-up: req/s and p50/p95/p99 per route, errors
  with their reasons, the RSS of every fleet process at the start and the end of the measured window, and the
  outbox backlog of every service once the load stops. Written to `bench/results/load.json`.
- `knee`: the same users at increasing rates, one locust run per step, until a step misses p99 ≤ 200 ms, has
  an error or is not delivered: the knee is the last step before. Written to `bench/results/knee.json`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from nocturna_platform.testing.infrastructure import libpq_url
from nocturna_platform.testing.isolated_run import TestRun

from bench.load_figures import (
    DELIVERED_SHARE,
    KNEE_P99_MS,
    MEMORY_GROWTH_MIB,
    MEMORY_GROWTH_SHARE,
    PASSWORD_LOGIN,
    RouteFigures,
    Step,
    cpu_model,
    interactive,
    knee,
    measured,
    memory_growth,
    memory_total_gib,
    overall,
    read_samples,
    route_figures,
    total_errors,
    write_result,
)
from bench.report import process_rss_bytes
from tests.e2e.clients import NATAL, PASSWORD, eventually_ok, password_grant, register, token_pair
from tests.e2e.fleet import MIGRATED, ROOT, Fleet, running_fleet

RESULTS = ROOT / "bench" / "results"
LOCUSTFILE = ROOT / "bench" / "load_users.py"
WARMUP_SECONDS = 30.0
"""Users spawning, logging in and opening their sockets; pools and caches filling. Not measured."""
STEP_WARMUP_SECONDS = 10.0
TAIL_SECONDS = 12.0
"""Locust runs this long past the measured window, so the socket can still report a chart created at its end
as delivered or late (`DELIVERY_TIMEOUT_SECONDS` in the locustfile)."""
MEMORY_EVERY_SECONDS = 30.0
DRAIN_SECONDS = 30.0
SIGN_UP_CONCURRENCY = 8
PLACES = 2_000


@dataclass(frozen=True)
class LoadOptions:
    seconds: float
    rate: float
    users: int
    step_seconds: float
    step_rates: Sequence[float]


def run(run: TestRun, chosen: set[str], options: LoadOptions, settings: Mapping[str, str]) -> None:
    print(
        f"\n== Mixed load through the gateway (the whole fleet as processes, locust as the users): "
        f"{' and '.join(sorted(chosen))}, {options.users} users =="
    )
    logs = Path(tempfile.mkdtemp(prefix="nocturna-bench-load-"))
    machine = _machine()
    print(
        f"machine: {machine['cpu_model']}, {machine['cores']} cores, {machine['memory_gib']:.1f} GiB "
        f"(load average before: {machine['load_average_before']})"
    )
    with running_fleet(run, logs, settings=settings) as fleet:
        started = time.perf_counter()
        pool = logs / "pool.json"
        accounts = asyncio.run(_sign_up(fleet, fleet.create_admin("bench-admin", PASSWORD), options.users))
        places = asyncio.run(_place_names(run.database_url))
        pool.write_text(json.dumps({"accounts": accounts, "places": places}))
        print(
            f"pool: {len(accounts)} accounts on the business plan, one chart each ({time.perf_counter() - started:.0f} s, not measured)"
        )
        common = {
            "machine": machine,
            "run_id": run.run_id,
            "users": options.users,
            "fleet": _fleet_shape(fleet),
        }
        if "load" in chosen:
            result = _steady(fleet, pool, logs, options, run)
            print(f"written to {write_result(RESULTS, 'load', {**common, **result})}")
        if "knee" in chosen:
            result = _steps(fleet, pool, logs, options)
            print(f"written to {write_result(RESULTS, 'knee', {**common, **result})}")
    shutil.rmtree(logs, ignore_errors=True)


def _steady(fleet: Fleet, pool: Path, logs: Path, options: LoadOptions, test_run: TestRun) -> dict[str, Any]:
    print(
        f"\n-- steady: {options.rate:g} req/s offered by {options.users} users "
        f"({options.users / options.rate:.1f} s think time each), {WARMUP_SECONDS:g} s warm-up, "
        f"{options.seconds:g} s measured"
    )
    samples_file = logs / "samples-steady.jsonl"
    process = _locust(
        fleet, pool, samples_file, logs, options.users, options.rate, WARMUP_SECONDS + options.seconds
    )
    start = _wait_for_start(process, samples_file)
    window = (start + WARMUP_SECONDS, start + WARMUP_SECONDS + options.seconds)
    memory = _sample_memory(fleet, window)
    _finish(process, samples_file)
    backlog_at_stop = asyncio.run(_outbox_backlog(test_run.database_url))
    drained_in, backlog = asyncio.run(_drained(test_run.database_url))
    samples = measured(read_samples(_lines(samples_file)), *window)
    figures = route_figures(samples, options.seconds)
    growth = memory_growth(memory[0][1], memory[-1][1])
    _print_routes(figures)
    errors = total_errors(figures)
    print(f"errors: {errors} ({'none' if errors == 0 else 'SOME: see the reasons per route above'})")
    print(
        f"memory (RSS, MiB, start → end of the measured window; growth allowed: the larger of "
        f"{MEMORY_GROWTH_MIB:g} MiB and {MEMORY_GROWTH_SHARE:.0%}):"
    )
    for process_growth in growth:
        print(
            f"  {process_growth.process:<16}{process_growth.start_mib:8.1f} → {process_growth.end_mib:8.1f} "
            f"({process_growth.growth_mib:+.1f}){'  GREW' if process_growth.grew else ''}"
        )
    total_backlog = sum(backlog.values())
    print(
        f"outbox backlog: {sum(backlog_at_stop.values())} when the load stopped, {total_backlog} after "
        f"{drained_in:.1f} s ({', '.join(f'{schema} {count}' for schema, count in backlog.items())})"
    )
    return {
        "benchmark": "load",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": options.seconds,
        "warmup_seconds": WARMUP_SECONDS,
        "offered_per_second": options.rate,
        "load_average_after": _load_average(),
        "routes": [asdict(figure) for figure in figures],
        "errors": errors,
        "memory": {
            "threshold": {"mib": MEMORY_GROWTH_MIB, "share": MEMORY_GROWTH_SHARE},
            "processes": [
                {**asdict(entry), "growth_mib": entry.growth_mib, "grew": entry.grew} for entry in growth
            ],
            "samples": [{"t": at, "rss_mib": rss} for at, rss in memory],
        },
        "outbox_backlog": {"at_stop": backlog_at_stop, "end": backlog, "drained_in_seconds": drained_in},
    }


def _steps(fleet: Fleet, pool: Path, logs: Path, options: LoadOptions) -> dict[str, Any]:
    print(
        f"\n-- step load: {', '.join(format(rate, 'g') for rate in options.step_rates)} req/s, "
        f"{options.step_seconds:g} s each after {STEP_WARMUP_SECONDS:g} s; a step passes with p99 ≤ "
        f"{KNEE_P99_MS:g} ms (password logins apart), no error and ≥ {DELIVERED_SHARE:.0%} of its rate "
        "delivered"
    )
    steps: list[dict[str, Any]] = []
    measured_steps: list[Step] = []
    for rate in options.step_rates:
        samples_file = logs / f"samples-step-{rate:g}.jsonl"
        process = _locust(
            fleet, pool, samples_file, logs, options.users, rate, STEP_WARMUP_SECONDS + options.step_seconds
        )
        start = _wait_for_start(process, samples_file)
        _finish(process, samples_file)
        window = (start + STEP_WARMUP_SECONDS, start + STEP_WARMUP_SECONDS + options.step_seconds)
        figures = route_figures(measured(read_samples(_lines(samples_file)), *window), options.step_seconds)
        requests, held = overall(figures), interactive(figures)
        if requests is None or held is None:
            raise RuntimeError(f"no request measured at {rate:g} req/s; see locust.log in {logs}")
        step = Step(rate, requests.per_second, held.p99_ms, total_errors(figures))
        logins = next((figure for figure in figures if figure.route == PASSWORD_LOGIN), None)
        measured_steps.append(step)
        steps.append(
            {**asdict(step), "failure": step.failure, "routes": [asdict(figure) for figure in figures]}
        )
        print(
            f"  {rate:6g} req/s asked: {requests.per_second:7.1f} delivered · p50 {held.p50_ms:.0f} · "
            f"p95 {held.p95_ms:.0f} · p99 {held.p99_ms:.0f} ms · {step.errors} errors"
            f"{' — ' + step.failure if step.failure else ''}"
            + (f" (password logins: p50 {logins.p50_ms:.0f}, p99 {logins.p99_ms:.0f} ms)" if logins else "")
        )
        if step.failure:
            _print_routes(figures, only_failing=True)
            break
    best = knee(measured_steps)
    if best is None:
        print(f"knee: below the first step ({options.step_rates[0]:g} req/s)")
    elif not any(step.failure for step in measured_steps):
        print(
            f"knee: not reached — every step passed up to {best.offered_per_second:g} req/s; add higher rates"
        )
    else:
        print(
            f"knee: {best.offered_per_second:g} req/s (p99 {best.p99_ms:.0f} ms, {best.per_second:.1f} req/s delivered)"
        )
    return {
        "benchmark": "knee",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "step_seconds": options.step_seconds,
        "warmup_seconds": STEP_WARMUP_SECONDS,
        "criteria": {"p99_ms": KNEE_P99_MS, "errors": 0, "delivered_share": DELIVERED_SHARE},
        "load_average_after": _load_average(),
        "steps": steps,
        "knee_per_second": best.offered_per_second if best else None,
        "reached": any(step.failure for step in measured_steps),
    }


def _print_routes(figures: Sequence[RouteFigures], *, only_failing: bool = False) -> None:
    if not only_failing:
        print(f"  {'route':<40}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8} ms{'errors':>8}")
    for figure in figures:
        if only_failing and not figure.errors:
            continue
        if not only_failing:
            print(
                f"  {figure.route:<40}{figure.per_second:8.1f}{figure.p50_ms:8.1f}{figure.p95_ms:8.1f}"
                f"{figure.p99_ms:8.1f}{figure.max_ms:8.1f}   {figure.errors:8d}"
            )
        for reason, count in figure.error_reasons.items():
            print(f"      {figure.route}: {count} x {reason}")


def _locust(
    fleet: Fleet, pool: Path, samples: Path, logs: Path, users: int, rate: float, seconds: float
) -> subprocess.Popen[bytes]:
    """Locust headless in its own process for `seconds` (plus the tail), `users` users at `rate` req/s in all.

    Each run's users arrive signed in, as an app's users do: a session per account is started first, not
    measured. Left to the users, 200 password logins in the first seconds (0.3 s of argon2id CPU each) would
    be a login storm the mix does not describe, and would queue behind auth's hashing threads."""
    signed_in = pool.with_name(f"pool-{samples.stem}.json")
    contents = json.loads(pool.read_text())
    contents["accounts"] = asyncio.run(_signed_in(fleet, contents["accounts"]))
    signed_in.write_text(json.dumps(contents))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "BENCH_LOAD_POOL": str(signed_in),
        "BENCH_LOAD_SAMPLES": str(samples),
        "BENCH_LOAD_TASKS_PER_SECOND": repr(rate / users),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", fleet.gateway,
        "--users", str(users), "--spawn-rate", str(max(users / 5, 1)),
        "--run-time", f"{round(seconds + TAIL_SECONDS)}s", "--stop-timeout", "5",
        "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0",
    ]  # fmt: skip
    with (logs / "locust.log").open("ab") as log:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def _wait_for_start(process: subprocess.Popen[bytes], samples: Path, timeout: float = 60) -> float:
    """The wall clock at which locust started its users (the first line it writes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"locust exited with {process.returncode} before starting; see locust.log")
        if samples.exists() and (first := samples.read_text().partition("\n")[0]):
            marker: dict[str, Any] = json.loads(first)
            return float(marker["t"])
        time.sleep(0.2)
    raise RuntimeError(f"locust did not start within {timeout} s")


def _finish(process: subprocess.Popen[bytes], samples: Path) -> None:
    if (code := process.wait()) != 0:
        raise RuntimeError(f"locust exited with {code}; see locust.log next to {samples}")


def _lines(samples: Path) -> list[str]:
    return samples.read_text().splitlines()[1:]


def _sample_memory(fleet: Fleet, window: tuple[float, float]) -> list[tuple[float, dict[str, float]]]:
    """The RSS (MiB) of every fleet process at the window's start, every `MEMORY_EVERY_SECONDS`, and its end."""
    samples = []
    at = window[0]
    while True:
        time.sleep(max(at - time.time(), 0))
        samples.append((round(at - window[0], 1), _rss(fleet)))
        if at >= window[1]:
            return samples
        at = min(at + MEMORY_EVERY_SECONDS, window[1])


def _rss(fleet: Fleet) -> dict[str, float]:
    rss = {}
    for replica in fleet.instances():
        assert replica.process is not None
        rss[replica.name] = round(process_rss_bytes(replica.process.pid) / 2**20, 1)
    return rss


def _fleet_shape(fleet: Fleet) -> dict[str, int]:
    return {service: len(replicas) for service, replicas in fleet.replicas.items()}


async def _sign_up(fleet: Fleet, admin: str, users: int) -> list[dict[str, str]]:
    """`users` accounts on the business plan (granted by the admin, as support would), one chart each."""
    subscription = f"http://127.0.0.1:{fleet.ports['subscription']}"
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=30) as client:
        admin_token = await password_grant(client, admin)
        gate = asyncio.Semaphore(SIGN_UP_CONCURRENCY)

        async def account() -> dict[str, str]:
            async with gate:
                return await _business_account(client, subscription, admin_token)

        return list(await asyncio.gather(*(account() for _ in range(users))))


async def _business_account(client: httpx.AsyncClient, subscription: str, admin_token: str) -> dict[str, str]:
    email = await register(client, "load")
    token = await password_grant(client, email)
    auth = {"Authorization": f"Bearer {token}"}
    user_id = (await client.get("/api/v1/auth/me", headers=auth)).json()["id"]
    # The free plan's projection must be in chart before the grant: were both events projected at once by the
    # two chart replicas, the free one could overwrite the business one (the first insert is not versioned).
    await eventually_ok(client, "/api/v1/charts/entitlements", token, timeout=60)
    granted = await client.put(
        f"{subscription}/api/v1/admin/users/{user_id}/subscription",
        json={"plan": "business"},
        headers={"Authorization": f"Bearer {admin_token}"},
    )
    granted.raise_for_status()
    try:
        async with asyncio.timeout(60):
            while (await client.get("/api/v1/charts/entitlements", headers=auth)).json()[
                "plan_code"
            ] != "business":
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise RuntimeError(f"chart did not see {email}'s business plan within 60 s of the grant") from None
    chart = await client.post("/api/v1/charts", json=NATAL, headers=auth)
    chart.raise_for_status()
    return {"email": email, "password": PASSWORD, "chart_id": chart.json()["id"]}


async def _signed_in(fleet: Fleet, accounts: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each account with a new session's `access_token` and `refresh_token` (two logins at a time: auth has two
    hashing threads)."""
    gate = asyncio.Semaphore(2)
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=60) as client:

        async def session(account: dict[str, str]) -> dict[str, str]:
            async with gate:
                pair = await token_pair(client, account["email"])
            return {**account, "access_token": pair["access_token"], "refresh_token": pair["refresh_token"]}

        return list(await asyncio.gather(*(session(account) for account in accounts)))


async def _place_names(database_url: str) -> list[str]:
    connection = await asyncpg.connect(libpq_url(database_url))
    try:
        rows = await connection.fetch("SELECT name FROM geocoding.places ORDER BY random() LIMIT $1", PLACES)
    finally:
        await connection.close()
    return [row["name"] for row in rows]


async def _outbox_backlog(database_url: str) -> dict[str, int]:
    """Events written but not yet published, per service schema that has an outbox."""
    connection = await asyncpg.connect(libpq_url(database_url))
    try:
        schemas = await connection.fetch(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' "
            "AND table_schema = ANY($1::text[]) ORDER BY table_schema",
            list(MIGRATED),
        )
        return {
            row["table_schema"]: await connection.fetchval(
                f'SELECT count(*) FROM "{row["table_schema"]}".outbox WHERE published_at IS NULL'  # noqa: S608
            )
            for row in schemas
        }
    finally:
        await connection.close()


async def _drained(database_url: str) -> tuple[float, dict[str, int]]:
    """How long until every outbox is empty (at most `DRAIN_SECONDS`), and the backlog then."""
    started = time.monotonic()
    while (backlog := await _outbox_backlog(database_url)) and any(backlog.values()):
        if time.monotonic() - started > DRAIN_SECONDS:
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - started, backlog


def _machine() -> dict[str, Any]:
    return {
        "cpu_model": cpu_model(Path("/proc/cpuinfo").read_text()),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_total_gib(Path("/proc/meminfo").read_text()), 1),
        "load_average_before": _load_average(),
        "python": sys.version.split()[0],
    }


def _load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())
