"""`python -m bench [outbox] [latency] [gateway] [geocoding] [chart] [websocket] [load] [knee]`: the fleet's
benchmarks (all by default).

They run on an isolated run of the infrastructure (their own database, exchanges, queue and Redis prefixes,
removed at the end), so they never touch a running dev fleet or a test run. They print figures and assert
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Sequence
from time import perf_counter

from nocturna_platform.settings import ServiceSettings
from nocturna_platform.testing.infrastructure import Infrastructure
from nocturna_platform.testing.isolated_run import isolated_run
from nocturna_platform.testing.service_processes import migrate

from bench import (
    chart_create,
    delivery_latency,
    gateway_overhead,
    geocoding,
    mixed_load,
    outbox_throughput,
    websocket_delivery,
)
from bench.producer import SCHEMA

BENCHMARKS = ("outbox", "latency", "gateway", "geocoding", "chart", "websocket", "load", "knee")
STEP_RATES = (10, 20, 40, 60, 80, 100, 130, 160, 200, 250, 300, 400)
DEPLOYED_SETTINGS = {
    "OUTBOX__POLL_INTERVAL_SECONDS": "1.0",
    "LOG__LEVEL": "INFO",
    "PASSWORD_HASHING__TIME_COST": "3",
    "PASSWORD_HASHING__MEMORY_COST_KIB": "65536",
}
"""Undo the test run's tuning of these: the benchmarks measure the defaults a deployment runs with (the
end-to-end fleet hashes passwords at a tenth of the deployed argon2id cost)."""


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("benchmarks", nargs="*", metavar="{" + ",".join(BENCHMARKS) + "}")
    parser.add_argument("--events", type=int, default=20_000, help="outbox backlog to publish")
    parser.add_argument(
        "--latency-events", type=int, default=300, help="events timed from commit to consumer"
    )
    parser.add_argument("--latency-rate", type=float, default=50.0, help="events committed per second")
    parser.add_argument("--connections", type=int, default=32, help="gateway load: keep-alive connections")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="gateway and chart load: seconds measured per target"
    )
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="gateway and chart load: warm-up seconds per target"
    )
    parser.add_argument("--ws-idle", type=int, default=2_000, help="websocket: idle sockets held at once")
    parser.add_argument(
        "--ws-clients", type=int, default=1_000, help="websocket: clients connected while timed"
    )
    parser.add_argument("--ws-events", type=int, default=2_000, help="websocket: events timed to a socket")
    parser.add_argument("--ws-rate", type=float, default=100.0, help="websocket: events published per second")
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=float(os.environ.get("BENCH_LOAD_SECONDS", "600")),
        help="mixed load: seconds measured at the steady rate (env BENCH_LOAD_SECONDS; 600)",
    )
    parser.add_argument(
        "--load-rate",
        type=float,
        default=float(os.environ.get("BENCH_LOAD_RATE", "40")),
        help="mixed load: requests per second offered by all users together (env BENCH_LOAD_RATE; 40)",
    )
    parser.add_argument(
        "--load-users", type=int, default=200, help="mixed load and step load: distinct signed-up users"
    )
    parser.add_argument(
        "--knee-step-seconds",
        type=float,
        default=float(os.environ.get("BENCH_KNEE_STEP_SECONDS", "60")),
        help="step load: seconds measured per rate (env BENCH_KNEE_STEP_SECONDS; 60)",
    )
    parser.add_argument(
        "--knee-rates",
        type=lambda text: tuple(float(rate) for rate in text.split(",")),
        default=STEP_RATES,
        help="step load: the rates tried in order, comma-separated (" + ",".join(map(str, STEP_RATES)) + ")",
    )
    args = parser.parse_args(argv)
    chosen = args.benchmarks or list(BENCHMARKS)
    if unknown := sorted(set(chosen) - set(BENCHMARKS)):
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    started = perf_counter()
    with Infrastructure.acquire() as infrastructure, isolated_run(infrastructure, label="bench") as run:
        os.environ.update(run.env(**DEPLOYED_SETTINGS))
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(
            f"bench run {run.run_id} on {os.cpu_count()} cores (load average before: {load}); "
            f"exchange {run.exchange}"
        )
        migrate([SCHEMA], {**os.environ, "LOG__LEVEL": "WARNING"})
        settings = ServiceSettings(service_name=SCHEMA)
        if "outbox" in chosen:
            asyncio.run(outbox_throughput.run(settings, args.events))
        if "latency" in chosen:
            asyncio.run(delivery_latency.run(settings, args.latency_events, args.latency_rate))
        if "gateway" in chosen:
            gateway_overhead.run(os.environ, args.connections, args.seconds, args.warmup)
        if "geocoding" in chosen:
            migrate(["geocoding"], {**os.environ, "LOG__LEVEL": "WARNING"})
            geocoding.run(os.environ)
        if "chart" in chosen:
            chart_create.run(os.environ, args.seconds, args.warmup)
        if "websocket" in chosen:
            websocket_delivery.run(os.environ, args.ws_idle, args.ws_clients, args.ws_events, args.ws_rate)
        if loads := {"load", "knee"} & set(chosen):
            options = mixed_load.LoadOptions(
                args.load_seconds, args.load_rate, args.load_users, args.knee_step_seconds, args.knee_rates
            )
            mixed_load.run(run, loads, options, DEPLOYED_SETTINGS)
    print(f"\nbenchmarks took {perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
