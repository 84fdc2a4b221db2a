"""Starting the whole fleet as real processes on this test run's isolated infrastructure.

Chart, subscription and gateway run as two replicas each, behind a round-robin balancer (`balancer.py`), as
they do in production; auth and geocoding run once. Tests reach the fleet only through `Fleet.gateway`, and
fault tests kill and restart replicas through `Fleet.replicas`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nocturna_platform.testing.isolated_run import TestRun
from nocturna_platform.testing.service_processes import (
    free_port,
    migrate,
    service_command,
    start_service,
    wait_ready,
)

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("auth", "subscription", "chart", "geocoding", "gateway")
MIGRATED = ("auth", "subscription", "chart", "geocoding")
REPLICATED = ("chart", "subscription", "gateway")
REPLICAS = 2


@dataclass
class Replica:
    """One process of a service; its output is appended to `<logs>/<service>-<number>.log` across restarts."""

    service: str
    number: int
    port: int
    env: Mapping[str, str]
    logs: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f"{self.service}-{self.number}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with (self.logs / f"{self.name}.log").open("ab") as log:
            self.process = start_service(self.service, self.port, self.env, log, ROOT)

    def wait_ready(self, timeout: float = 60) -> None:
        wait_ready({self.name: self.port}, timeout, self.logs)

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost node would: no shutdown hooks run."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


@dataclass
class Fleet:
    ports: dict[str, int]
    """The port each service is reached on: its balancer for the replicated ones."""
    replicas: dict[str, list[Replica]]
    logs: Path
    env: dict[str, str]

    @property
    def gateway(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def sandbox_webhook_secret(self) -> str:
        return self.env["BILLING__SANDBOX_WEBHOOK_SECRET"]

    @property
    def mailbox(self) -> Path:
        """Auth's console mail adapter writes every message here as a JSON line."""
        return self.logs / "mail.jsonl"

    def instances(self) -> list[Replica]:
        return [replica for replicas in self.replicas.values() for replica in replicas]

    def create_admin(self, prefix: str, password: str) -> str:
        """A new admin account, made as an operator makes one (`nocturna-auth create-admin`); its email."""
        email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
        subprocess.run(
            service_command("auth", "create-admin", email, "--password-stdin"),
            input=password + "\n",
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return email


def _gateway_service_client(env: dict[str, str]) -> dict[str, str]:
    """The gateway introspects API keys as a service client of auth, registered the way an operator would."""
    created = subprocess.run(
        service_command("auth", "create-service-client", "gateway"),
        env=env,
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if created.returncode != 0:
        raise RuntimeError(f"auth create-service-client failed:\n{created.stderr[-4000:]}")
    fields = dict(line.split(": ", 1) for line in created.stdout.splitlines() if ": " in line)
    return {
        "EDGE_AUTH__SERVICE_CLIENT_ID": fields["client_id"],
        "EDGE_AUTH__SERVICE_CLIENT_SECRET": fields["client_secret"],
    }


def _fleet_env(
    run: TestRun, ports: Mapping[str, int], logs: Path, settings: Mapping[str, str]
) -> dict[str, str]:
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
            # Chart looks places up itself for charts created from a `place_id`.
            "GEOCODING__BASE_URL": f"http://127.0.0.1:{ports['geocoding']}",
            "EMAIL__FILE_PATH": str(logs / "mail.jsonl"),
            "EMAIL__POLL_INTERVAL_SECONDS": "0.1",
            # Every test client is one address and tests poll: limits are the gateway tests' business.
            "RATE_LIMIT__ANONYMOUS_PER_MINUTE": "6000",
            "RATE_LIMIT__DEFAULT_PER_MINUTE": "6000",
            # The journeys play the sandbox billing provider, which signs its webhooks with this secret.
            "BILLING__SANDBOX_WEBHOOK_SECRET": "whsec_sandbox_e2e_fleet",
            # A spent refresh token is a stolen copy after this window; 10 s by default, shortened so the
            # refresh-reuse journey need not wait that long.
            "ISSUING__REFRESH_TOKEN_REUSE_GRACE_SECONDS": "1",
        }
    )
    env.update(settings)
    return env


@contextmanager
def running_fleet(
    run: TestRun, logs: Path, timeout: float = 120, settings: Mapping[str, str] | None = None
) -> Iterator[Fleet]:
    """The fleet until the block ends; `settings` (environment variables) win over the test run's tuning, as
    the benchmarks' deployed defaults do."""
    logs.mkdir(parents=True, exist_ok=True)
    ports = {service: free_port() for service in SERVICES}
    env = _fleet_env(run, ports, logs, settings or {})
    (logs / "database_url").write_text(run.database_url)  # for a failing test's evidence
    migrate(MIGRATED, env, cwd=ROOT)
    env.update(_gateway_service_client(env))
    # Geocoding is ready only once its places are loaded; a no-op when the geocoding tests of this run seeded.
    subprocess.run(service_command("geocoding", "seed"), env=env, check=True, cwd=ROOT, timeout=600)
    copies = {service: REPLICAS if service in REPLICATED else 1 for service in SERVICES}
    replicas = {
        service: [
            Replica(service, number, free_port() if service in REPLICATED else ports[service], env, logs)
            for number in range(1, copies[service] + 1)
        ]
        for service in SERVICES
    }
    fleet = Fleet(ports, replicas, logs, env)
    with ExitStack() as stack:
        for service in REPLICATED:
            stack.enter_context(_balancer(ports[service], [replica.port for replica in replicas[service]]))
        for replica in fleet.instances():
            stack.callback(replica.stop)
            replica.start()
        wait_ready({replica.name: replica.port for replica in fleet.instances()}, timeout, logs)
        yield fleet


@contextmanager
def _balancer(port: int, backends: list[int]) -> Iterator[None]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.balancer", str(port), *map(str, backends)], cwd=ROOT
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=15)
