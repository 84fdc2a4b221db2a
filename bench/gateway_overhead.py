"""Gateway → service overhead: the same GET driven directly at the subscription service and through the
gateway, both started as real processes the way the end-to-end tests start them. Through the gateway it is
driven twice: anonymously, and with a bearer access token (edge authentication: signature, claims and the
Redis deny-list check on every request)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

import uvloop
from nocturna_platform.security.signing import SigningKey
from nocturna_platform.settings import TokenVerificationSettings
from nocturna_platform.testing.service_processes import free_port, running_services
from nocturna_platform.testing.tokens import access_token, serving_jwks

from bench.http_load import Load, drive
from bench.report import milliseconds, process_cpu_seconds, verdict

PATH = "/api/v1/plans"
"""A real read that touches the service's database (plans), not a health probe."""
TARGET_RATIO = 0.60
SERVICES = ("subscription", "gateway")


def run(env: Mapping[str, str], connections: int, seconds: float, warmup_seconds: float) -> None:
    print(
        f"\n== Gateway overhead: GET {PATH}, {connections} keep-alive connections, "
        f"{seconds:g} s per target after {warmup_seconds:g} s warm-up =="
    )
    ports = {service: free_port() for service in SERVICES}
    key = SigningKey.generate()
    logs = Path(tempfile.mkdtemp(prefix="nocturna-bench-"))
    with serving_jwks(key) as jwks_url:
        env = {
            **env,
            "UPSTREAMS__SUBSCRIPTION": f"http://127.0.0.1:{ports['subscription']}",
            "TOKENS__JWKS_URL": jwks_url,
            # One client address drives the load: a limit it never reaches, so the rate-limit check (one Redis
            # round-trip) is measured and no answer is a cheap 429.
            "RATE_LIMIT__ANONYMOUS_PER_MINUTE": "100000000",
            "RATE_LIMIT__DEFAULT_PER_MINUTE": "100000000",
        }
        bearer = {"Authorization": f"Bearer {access_token(key, TokenVerificationSettings())}"}
        with running_services(ports, env, logs) as processes:
            serving_directly = {"subscription": processes["subscription"]}
            direct = _measure(ports["subscription"], serving_directly, connections, seconds, warmup_seconds)
            gateway = _measure(ports["gateway"], processes, connections, seconds, warmup_seconds)
            signed_in = _measure(ports["gateway"], processes, connections, seconds, warmup_seconds, bearer)
    shutil.rmtree(logs, ignore_errors=True)
    for label, (load, cpu) in (("direct", direct), ("gateway", gateway), ("+ token", signed_in)):
        print(
            f"{label + ':':<10} {load.per_second:8,.0f} req/s · {milliseconds(load.latencies, (50, 99))} · "
            f"{load.failures} failed of {load.requests:,}"
        )
        print(f"{'':<10} CPU per request: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cpu.items()))
    ratio = gateway[0].per_second / direct[0].per_second
    print(f"ratio:     {ratio:.0%} of direct — target ≥ {TARGET_RATIO:.0%}: {verdict(ratio, TARGET_RATIO)}")
    ratio = signed_in[0].per_second / direct[0].per_second
    print(
        f"+ token:   {ratio:.0%} of direct with edge authentication — target ≥ {TARGET_RATIO:.0%}: "
        f"{verdict(ratio, TARGET_RATIO)}"
    )
    print(
        f"           the load generator runs in this process and shares the machine's {os.cpu_count()} cores with "
        f"the services and Postgres (it used {gateway[0].cpu_share:.0%} of a core); log level "
        f"{env.get('LOG__LEVEL', 'INFO')}"
    )


def _measure(
    port: int,
    serving: Mapping[str, subprocess.Popen[bytes]],
    connections: int,
    seconds: float,
    warmup_seconds: float,
    headers: Mapping[str, str] | None = None,
) -> tuple[Load, dict[str, float]]:
    """The load, and the CPU milliseconds per request of each process serving it."""
    before: dict[str, float] = {}

    def started() -> None:
        before.update({name: process_cpu_seconds(process.pid) for name, process in serving.items()})

    load = uvloop.run(
        drive(f"http://127.0.0.1:{port}{PATH}", connections, seconds, warmup_seconds, started, headers)
    )
    return load, {
        name: (process_cpu_seconds(process.pid) - before[name]) * 1000 / load.requests
        for name, process in serving.items()
    }
