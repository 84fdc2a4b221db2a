"""`serve` in a real process: our JSON logging, no uvicorn access lines, a clean exit on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import httpx
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


    async def main(port):
        settings = ServiceSettings(http=HttpSettings(port=port), log=LogSettings(level="INFO"))
        configure_logging(settings.log, "probe")
        app = create_app(
            settings=settings, title="probe", version="0", routers=[], readiness_checks=[],
            metrics=ServiceMetrics(), lifespan=lifespan,
        )
        await serve(app, settings.http)
        logging.getLogger("probe").info("serve returned")


    asyncio.run(main({port}))
    """
)


def _wait_until_live(base_url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if httpx.get(base_url + "/health/live", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("the server did not come up")


def test_serve_logs_through_our_handler_and_exits_cleanly_on_sigterm() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVICE.replace("{port}", str(port))],
        # The probe logs at INFO whatever a session fixture (`test_env`) exported into this process.
        env={**os.environ, "LOG__LEVEL": "INFO"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
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
