"""Operator use case after a key rotation: re-encrypt every chart, and every batch record still waiting to be
created, that is sealed with an old key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nocturna_chart.application.batch_ports import BatchUnitOfWork


@dataclass(frozen=True)
class Resealed:
    charts: int
    batch_records: int


class ResealChartsHandler:
    """Batch by batch, each its own transaction; safe to interrupt, rerun or run on several replicas."""

    def __init__(self, uow: Callable[[], BatchUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, batch_size: int = 500) -> Resealed:
        charts = await self._drain(lambda uow: uow.charts.reseal(batch_size), batch_size)
        records = await self._drain(lambda uow: uow.batches.reseal(batch_size), batch_size)
        return Resealed(charts, records)

    async def _drain(self, step: Callable[[BatchUnitOfWork], Awaitable[int]], batch_size: int) -> int:
        total = 0
        while True:
            async with self._uow() as uow:
                count = await step(uow)
                await uow.commit()
            total += count
            if count < batch_size:
                return total
