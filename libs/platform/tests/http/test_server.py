"""`serve` in a real process: our JSON logging, no uvicorn access lines, a clean exit on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import IO

import httpx
import pytest
from nocturna_platform.testing.service_processes import free_port

SERVICE = textwrap.dedent(
    """
    import asyncio
    import logging
    from contextlib import asynccontextmanager

    from nocturna_platform.http.app import create_app
    from nocturna_platform.http.metrics import ServiceMetrics
    from nocturna_platform.http.server import serve
    from nocturna_platform.observability.logging import configure_logging
    from nocturna_platform.settings import HttpSettings, LogSettings, ServiceSettings


    @asynccontextmanager
    async def lifespan(app):
        yield
        logging.getLogger("probe").info("lifespan finished")


    async def main(port, reuse_port, keep_alive):
        settings = ServiceSettings(
            http=HttpSettings(port=port, reuse_port=reuse_port, keep_alive_seconds=keep_alive),
            log=LogSettings(level="INFO"),
        )
        configure_logging(settings.log, "probe")
        app = create_app(
            settings=settings, title="probe", version="0", routers=[], readiness_checks=[],
            metrics=ServiceMetrics(), lifespan=lifespan,
        )
        await serve(app, settings.http)
        logging.getLogger("probe").info("serve returned")


    asyncio.run(main({port}, {reuse_port}, {keep_alive}))
    """
)


def _wait_until_live(base_url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60  # a cold interpreter on a loaded CI machine
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(base_url + "/health/live", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("the server did not come up")


def _probe(
    port: int, reuse_port: bool = False, log: IO[str] | None = None, keep_alive: int = 75
) -> subprocess.Popen[str]:
    source = (
        SERVICE.replace("{port}", str(port))
        .replace("{reuse_port}", str(reuse_port))
        .replace("{keep_alive}", str(keep_alive))
    )
    return subprocess.Popen(
        [sys.executable, "-c", source],
        # The probe logs at INFO whatever a session fixture (`test_env`) exported into this process.
        env={**os.environ, "LOG__LEVEL": "INFO"},
        stdout=log or subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_started(log: Path, process: subprocess.Popen[str]) -> None:
    """Until the process says it serves (a probe on the shared port could be answered by the other one)."""
    deadline = time.monotonic() + 60
    while "Application startup complete" not in log.read_text():
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{log.name}: the process did not start serving"
        time.sleep(0.05)


def test_processes_binding_with_reuse_port_share_the_port(tmp_path: Path) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with logs[0].open("w") as first_log, logs[1].open("w") as second_log:
        first = _probe(port, reuse_port=True, log=first_log)
        second = _probe(port, reuse_port=True, log=second_log)
    try:
        _wait_until_started(logs[0], first)
        _wait_until_started(logs[1], second)
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
        assert first.returncode == 0
        # The survivor holds the port alone: every new connection lands on it.
        for _ in range(5):
            with httpx.Client() as client:
                assert client.get(base_url + "/health/live", timeout=5).status_code == 200
        assert second.poll() is None
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=30)


@pytest.mark.parametrize(("keep_alive", "open_after_idle"), [(1, False), (30, True)])
def test_idle_connections_are_kept_open_for_the_keep_alive_setting(
    keep_alive: int, open_after_idle: bool
) -> None:
    """Longer than a load balancer's idle timeout (75 s by default), so the balancer closes first."""
    port = free_port()
    process = _probe(port, keep_alive=keep_alive)
    try:
        _wait_until_live(f"http://127.0.0.1:{port}", process)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            request = b"GET /health/live HTTP/1.1\r\nHost: probe\r\n\r\n"
            connection.sendall(request)
            assert _response(connection).startswith(b"HTTP/1.1 200")
            time.sleep(2.5)
            try:
                connection.sendall(request)
                answer = _response(connection)
            except (ConnectionResetError, BrokenPipeError):
                answer = b""
        assert answer.startswith(b"HTTP/1.1 200") is open_after_idle
    finally:
        process.kill()
        process.communicate(timeout=30)


def _response(connection: socket.socket) -> bytes:
    """One whole HTTP/1.1 response, its head and its `content-length` body (which may come in a second
    segment); what was received when the server closes the connection first (b"" for a closed one)."""
    received = b""
    while b"\r\n\r\n" not in received:
        if not (chunk := connection.recv(65536)):
            return received
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    assert length is not None, head
    while len(body) < int(length.group(1)):
        if not (chunk := connection.recv(65536)):
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def test_without_reuse_port_a_second_process_cannot_take_the_port() -> None:
    port = free_port()
    first = _probe(port)
    try:
        _wait_until_live(f"http://127.0.0.1:{port}", first)
        second = _probe(port)
        stdout, stderr = second.communicate(timeout=60)
        assert second.returncode != 0
        assert "address already in use" in (stdout + stderr).lower()
    finally:
        first.kill()
        first.communicate(timeout=30)


def test_serve_logs_through_our_handler_and_exits_cleanly_on_sigterm() -> None:
    port = free_port()
    process = _probe(port)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_live(base_url, process)
        missing = httpx.get(base_url + "/missing", headers={"X-Request-ID": "req-srv"})
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, stderr
    assert missing.status_code == 404
    assert "server" not in missing.headers
    lines = [json.loads(line) for line in stdout.splitlines()]
    loggers = {line["logger"] for line in lines}
    assert "uvicorn.error" in loggers
    assert "uvicorn.access" not in loggers
    [access] = [line for line in lines if line["logger"] == "nocturna.http.access"]
    assert access["request_id"] == "req-srv"
    assert access["status"] == 404
    messages = [line["message"] for line in lines]
    assert messages.index("lifespan finished") < messages.index("serve returned")
    assert all(line["service"] == "probe" for line in lines)
