"""Idempotent consumption: a consumer claims `(consumer, event_id)` in the same transaction as its effect."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class Inbox:
    def __init__(self, session: AsyncSession, table: Table) -> None:
        self._session = session
        self._table = table

    async def claim(self, consumer: str, event_id: UUID) -> bool:
        """True if this is the first time; a duplicate delivery gets False and must have no effect."""
        statement = (
            insert(self._table)
            .values(consumer=consumer, event_id=event_id)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(self._table.c.event_id)
        )
        result = await self._session.execute(statement)
        return result.first() is not None

    async def claim_many(self, consumer: str, event_ids: Iterable[UUID]) -> set[UUID]:
        """Claim several events in one statement; returns those seen for the first time (duplicates within
        `event_ids` count once). Sorted, so concurrent batches take the index locks in the same order."""
        unique = sorted(set(event_ids))
        if not unique:
            return set()
        # Parameter lists run as one cached statement expanded to multi-row VALUES ("insertmanyvalues")
        statement = (
            insert(self._table)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(self._table.c.event_id)
        )
        rows = [{"consumer": consumer, "event_id": event_id} for event_id in unique]
        result = await self._session.execute(statement, rows)
        return set(result.scalars())
