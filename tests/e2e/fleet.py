"""Starting the whole fleet as real processes on this test run's isolated infrastructure."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from nocturna_platform.testing.plugin import TestRun

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("auth", "subscription", "chart", "geocoding", "gateway")
MIGRATED = ("auth", "subscription", "chart", "geocoding")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Fleet:
    ports: dict[str, int]
    logs: Path

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"


def _command(service: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"nocturna_{service}", *args]


@contextmanager
def running_fleet(run: TestRun, logs: Path, timeout: float = 60) -> Iterator[Fleet]:
    ports = {service: free_port() for service in SERVICES}
    env = {**os.environ, **run.env()}
    env.update(
        {
            "TOKENS__JWKS_URL": f"http://127.0.0.1:{ports['auth']}/.well-known/jwks.json",
            "TOKENS__ISSUER": f"http://127.0.0.1:{ports['gateway']}",
            "ISSUING__ISSUER": f"http://127.0.0.1:{ports['gateway']}",
            "ISSUING__ACCESS_TOKEN_TTL_SECONDS": "900",
            "PASSWORD_HASHING__TIME_COST": "1",
            "PASSWORD_HASHING__MEMORY_COST_KIB": "8192",
            "UPSTREAMS__AUTH": f"http://127.0.0.1:{ports['auth']}",
            "UPSTREAMS__CHART": f"http://127.0.0.1:{ports['chart']}",
            "UPSTREAMS__SUBSCRIPTION": f"http://127.0.0.1:{ports['subscription']}",
            "UPSTREAMS__GEOCODING": f"http://127.0.0.1:{ports['geocoding']}",
        }
    )
    for service in MIGRATED:
        subprocess.run(_command(service, "migrate"), env=env, check=True, cwd=ROOT, timeout=120)
    # Geocoding is ready only once its places are loaded; a no-op when the geocoding tests of this run seeded.
    subprocess.run(_command("geocoding", "seed"), env=env, check=True, cwd=ROOT, timeout=600)
    logs.mkdir(parents=True, exist_ok=True)
    processes = []
    try:
        for service in SERVICES:
            log = (logs / f"{service}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    _command(service, "serve"),
                    env={**env, "HTTP__PORT": str(ports[service])},
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        _wait_ready(ports, timeout)
        yield Fleet(ports, logs)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_ready(ports: dict[str, int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(ports)
    with httpx.Client(timeout=2) as client:
        while pending and time.monotonic() < deadline:
            for service, port in list(pending.items()):
                try:
                    if client.get(f"http://127.0.0.1:{port}/health/ready").status_code == 200:
                        del pending[service]
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
    if pending:
        raise RuntimeError(f"not ready after {timeout}s: {sorted(pending)} (see the logs of this test run)")
