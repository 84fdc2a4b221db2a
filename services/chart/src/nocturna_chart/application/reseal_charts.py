"""Operator use case after a key rotation: re-encrypt every chart still sealed with an old key."""

from __future__ import annotations

from collections.abc import Callable

from nocturna_chart.application.ports import ChartUnitOfWork


class ResealChartsHandler:
    """Batch by batch, each its own transaction; safe to interrupt, rerun or run on several replicas."""

    def __init__(self, uow: Callable[[], ChartUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, batch_size: int = 500) -> int:
        total = 0
        while True:
            async with self._uow() as uow:
                count = await uow.charts.reseal(batch_size)
                await uow.commit()
            total += count
            if count < batch_size:
                return total
