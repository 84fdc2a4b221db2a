"""Starting the whole fleet as real processes on this test run's isolated infrastructure."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nocturna_platform.testing.isolated_run import TestRun
from nocturna_platform.testing.service_processes import (
    free_port,
    migrate,
    running_services,
    service_command,
)

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("auth", "subscription", "chart", "geocoding", "gateway")
MIGRATED = ("auth", "subscription", "chart", "geocoding")


@dataclass
class Fleet:
    ports: dict[str, int]
    logs: Path

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def mailbox(self) -> Path:
        """Auth's console mail adapter writes every message here as a JSON line."""
        return self.logs / "mail.jsonl"


def _gateway_service_client(env: dict[str, str]) -> dict[str, str]:
    """The gateway introspects API keys as a service client of auth, registered the way an operator would."""
    created = subprocess.run(
        service_command("auth", "create-service-client", "gateway"),
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    fields = dict(line.split(": ", 1) for line in created.stdout.splitlines() if ": " in line)
    return {
        "EDGE_AUTH__SERVICE_CLIENT_ID": fields["client_id"],
        "EDGE_AUTH__SERVICE_CLIENT_SECRET": fields["client_secret"],
    }


@contextmanager
def running_fleet(run: TestRun, logs: Path, timeout: float = 120) -> Iterator[Fleet]:
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
            "EMAIL__FILE_PATH": str(logs / "mail.jsonl"),
            "EMAIL__POLL_INTERVAL_SECONDS": "0.1",
            # Every test client is one address and tests poll: limits are the gateway tests' business.
            "RATE_LIMIT__ANONYMOUS_PER_MINUTE": "6000",
            "RATE_LIMIT__DEFAULT_PER_MINUTE": "6000",
        }
    )
    migrate(MIGRATED, env, cwd=ROOT)
    env.update(_gateway_service_client(env))
    # Geocoding is ready only once its places are loaded; a no-op when the geocoding tests of this run seeded.
    subprocess.run(service_command("geocoding", "seed"), env=env, check=True, cwd=ROOT, timeout=600)
    with running_services(ports, env, logs, cwd=ROOT, timeout=timeout):
        yield Fleet(ports, logs)
