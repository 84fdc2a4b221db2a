"""Unit of work: one session, one commit; outgoing events and inbox claims ride in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Self
from uuid import UUID

from nocturna_contracts.event import Event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nocturna_platform.messaging.inbox import Inbox
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.outbox import Outbox
from nocturna_platform.messaging.tables import MessagingTables


class SqlUnitOfWork:
    """Base of every service's unit of work; subclasses attach their repositories in `_on_begin`."""

    session: AsyncSession

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        tables: MessagingTables,
        clock: Callable[[], datetime],
    ) -> None:
        self._session_factory = session_factory
        self._tables = tables
        self._clock = clock
        self._committed = False

    async def __aenter__(self) -> Self:
        self.session = self._session_factory()
        self.outbox = Outbox(self.session, self._tables.outbox, self._clock)
        self.inbox = Inbox(self.session, self._tables.inbox)
        self._committed = False
        self._on_begin()
        return self

    def _on_begin(self) -> None:
        """Hook for subclasses: build repositories on `self.session`."""

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if not self._committed:
                await self.session.rollback()
        finally:
            await self.session.close()

    def publish(self, event: Event, *, cause: EventMeta | None = None) -> None:
        """Queue an event; it is written to the outbox by `commit`, atomically with the state change."""
        self.outbox.add(event, cause=cause)

    async def claim(self, meta: EventMeta) -> bool:
        """Record that this consumer handles this event; False means it was handled already (skip it)."""
        return await self.inbox.claim(meta.consumer, meta.event_id)

    async def claim_many(self, metas: Sequence[EventMeta]) -> set[UUID]:
        """Claim a batch of one consumer's events; returns the ids handled for the first time."""
        claimed: set[UUID] = set()
        for consumer in sorted({meta.consumer for meta in metas}):
            ids = [meta.event_id for meta in metas if meta.consumer == consumer]
            claimed |= await self.inbox.claim_many(consumer, ids)
        return claimed

    async def commit(self) -> None:
        await self.outbox.flush()
        await self.session.commit()
        self._committed = True
