"""Background upkeep on a timer: a round at start, one per interval, a failed round retried, stop cancels."""

from __future__ import annotations

import asyncio

import pytest
from nocturna_platform.periodic import PeriodicTask


async def test_rounds_repeat_a_failure_is_retried_and_stop_ends_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds = 0

    async def round_() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 1:
            raise RuntimeError("database away")

    task = PeriodicTask("probe-upkeep", round_, interval_seconds=0.01)
    await task.start()
    async with asyncio.timeout(5):
        while rounds < 3:
            await asyncio.sleep(0.01)
    await task.stop()
    stopped_at = rounds
    await asyncio.sleep(0.05)

    assert rounds == stopped_at
    assert "probe-upkeep failed; retrying at the next round" in caplog.text


async def test_stop_before_start_is_harmless() -> None:
    async def round_() -> None:
        return None

    await PeriodicTask("idle", round_, interval_seconds=1).stop()
