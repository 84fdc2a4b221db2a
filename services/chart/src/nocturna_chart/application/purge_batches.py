"""Upkeep: a completed batch job (its progress, per-record outcomes and errors) is kept for the retention
period, then deleted; the charts it created stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from nocturna_chart.application.batch_ports import BatchUnitOfWork

PURGE_CHUNK = 500


class PurgeCompletedBatchesHandler:
    """Deletes in chunks, each its own transaction; safe on several replicas at once (locked rows skipped)."""

    def __init__(
        self, uow: Callable[[], BatchUnitOfWork], clock: Callable[[], datetime], retention: timedelta
    ) -> None:
        self._uow, self._clock, self._retention = uow, clock, retention

    async def __call__(self) -> int:
        before = self._clock() - self._retention
        total = 0
        while True:
            async with self._uow() as uow:
                count = await uow.batches.purge_completed(before, PURGE_CHUNK)
                await uow.commit()
            total += count
            if count < PURGE_CHUNK:
                return total
