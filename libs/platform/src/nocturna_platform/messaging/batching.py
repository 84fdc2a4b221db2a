"""Micro-batching of concurrent deliveries: one call (one transaction) for many messages, acks after it.

Every delivery waits in `submit` while its batch runs; it returns True when the batch took care of it (the
caller then acks) and False when the caller must handle it alone — the batch failed, or deferred it — so a
message that cannot be handled still fails, retries and dead-letters on its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Generic, TypeVar

logger = logging.getLogger("nocturna.messaging")

T = TypeVar("T")
BatchProcessor = Callable[[Sequence[T]], Awaitable[Collection[int]]]


class MicroBatcher(Generic[T]):
    """Collects items submitted concurrently into batches of up to `max_size`, or what arrived within
    `max_wait_seconds` of the first one, and hands each batch to `process` once; at most `max_in_flight`
    batches run at a time (the rest keep collecting, so batches grow when the database is the bottleneck).

    `process` returns the positions of the items it deferred (to be handled one by one); raising defers all.
    """

    def __init__(
        self,
        process: BatchProcessor[T],
        *,
        max_size: int,
        max_wait_seconds: float,
        max_in_flight: int = 2,
    ) -> None:
        if max_size < 1 or max_in_flight < 1:
            raise ValueError("max_size and max_in_flight must be at least 1")
        self._process = process
        self._max_size = max_size
        self._max_wait = max_wait_seconds
        self._max_in_flight = max_in_flight
        self._pending: list[tuple[T, asyncio.Future[bool]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> bool:
        """Wait for the item's batch; True when it was handled there, False when the caller must handle it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._pending.append((item, future))
        if len(self._pending) >= self._max_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self._max_wait, self._flush)
        return await future

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._pending and len(self._running) < self._max_in_flight:
            batch, self._pending = self._pending[: self._max_size], self._pending[self._max_size :]
            task = asyncio.create_task(self._run(batch), name="micro-batch")
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._pending:  # they waited for a free slot: their batch is due
            self._flush()

    async def _run(self, batch: list[tuple[T, asyncio.Future[bool]]]) -> None:
        deferred = set(range(len(batch)))
        try:
            deferred = set(await self._process([item for item, _ in batch]))
        except Exception:
            logger.warning("batch of %d failed; its items are handled one by one", len(batch), exc_info=True)
        finally:
            for position, (_, future) in enumerate(batch):
                if not future.done():  # a delivery cancelled while waiting (shutdown) is redelivered later
                    future.set_result(position not in deferred)
