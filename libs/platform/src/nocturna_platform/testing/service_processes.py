"""Services started as real processes (`python -m nocturna_<service>`), for end-to-end tests and benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_command(service: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"nocturna_{service}", *args]


def migrate(services: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> None:
    for service in services:
        command = service_command(service, "migrate")
        subprocess.run(command, env=env, check=True, cwd=cwd, timeout=120)  # noqa: S603 - our own module


@contextmanager
def running_services(
    ports: Mapping[str, int], env: Mapping[str, str], logs: Path, cwd: Path | None = None, timeout: float = 60
) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Serve each service on its port (output to `<logs>/<service>.log`) until ready; stop them on exit."""
    logs.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    with ExitStack() as files:
        try:
            for service, port in ports.items():
                log = files.enter_context((logs / f"{service}.log").open("wb"))
                processes[service] = start_service(service, port, env, log, cwd)
            wait_ready(ports, timeout, logs)
            yield processes
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


def start_service(
    service: str, port: int, env: Mapping[str, str], log: IO[bytes], cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """`<service> serve` on `port`, its output to `log`; not yet ready (see `wait_ready`)."""
    return subprocess.Popen(  # noqa: S603 - our own service module
        service_command(service, "serve"),
        env={**env, "HTTP__PORT": str(port)},
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(ports: Mapping[str, int], timeout: float, logs: Path) -> None:
    """Until every named port answers `/health/ready` with 200; a RuntimeError naming the laggards otherwise."""
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
        raise RuntimeError(f"not ready after {timeout}s: {sorted(pending)} (see the logs in {logs})")
