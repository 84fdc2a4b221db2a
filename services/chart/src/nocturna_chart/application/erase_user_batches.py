"""Use case: an erased account's batch jobs go too (their records hold sealed birth data)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from nocturna_chart.application.batch_ports import BatchUnitOfWork


class EraseUserBatchesHandler:
    """Idempotent on its own (deleting nothing twice), so it runs before the inbox-claiming chart erasure."""

    def __init__(self, uow: Callable[[], BatchUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID) -> None:
        async with self._uow() as uow:
            await uow.batches.delete_all(user_id)
            await uow.commit()
