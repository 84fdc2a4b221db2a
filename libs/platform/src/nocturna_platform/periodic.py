"""Background upkeep every replica runs on a timer (key rotation, purges): one round at start, then one per
interval. Rounds must be safe on all replicas at once (idempotent, or under a lock). A failed round is logged
and retried at the next one; stopping cancels the round in progress."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("nocturna.periodic")


class PeriodicTask:
    def __init__(self, name: str, round_: Callable[[], Awaitable[None]], interval_seconds: float) -> None:
        self._name, self._round, self._interval = name, round_, interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._round()
            except Exception:
                logger.exception("%s failed; retrying at the next round", self._name)
            await asyncio.sleep(self._interval)
