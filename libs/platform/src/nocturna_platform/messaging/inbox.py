"""Idempotent consumption: a consumer claims `(consumer, event_id)` in the same transaction as its effect."""

from __future__ import annotations

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
