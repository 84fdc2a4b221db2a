"""A shutdown always ends: a stop hook that hangs is logged and skipped, and the steps after it still run."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from nocturna_platform.settings import ServiceSettings
from nocturna_platform.shell import ServiceShell


async def test_a_hanging_stop_hook_is_skipped_after_its_time_and_the_rest_still_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    shell = ServiceShell(ServiceSettings(service_name="probe"), uses_broker=False)
    shell.shutdown_step_seconds = 0.2
    stopped: list[str] = []

    async def hangs() -> None:
        await asyncio.Event().wait()

    async def records() -> None:
        stopped.append("records")

    shell.on_stop(records)  # stop hooks run in reverse: `hangs` first
    shell.on_stop(hangs)
    app = shell.create_app(title="probe", version="0", routers=[])
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="nocturna.shell"):
        async with app.router.lifespan_context(app):
            pass

    assert time.monotonic() - started < 2
    assert stopped == ["records"]
    assert any(record.getMessage().startswith("shutdown step did not finish") for record in caplog.records)
