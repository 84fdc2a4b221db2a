"""The outbox and inbox half of an in-memory unit of work, for services' fakes in unit tests.

A service's fake unit of work subclasses `InMemoryUnitOfWork`, copies its repositories' state in `_begin`
and writes it back in `_apply`; events and inbox claims become visible only on `commit`, as with the real one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self
from uuid import UUID

from nocturna_contracts.event import Event

from nocturna_platform.messaging.meta import EventMeta


@dataclass
class InMemoryMessaging:
    """What committed units of work published (with their causes) and which events consumers claimed."""

    published: list[Event] = field(default_factory=list)
    causes: list[EventMeta | None] = field(default_factory=list)
    claimed: set[tuple[str, UUID]] = field(default_factory=set)


class InMemoryUnitOfWork:
    def __init__(self, messaging: InMemoryMessaging) -> None:
        self.messaging = messaging
        self.committed = False

    async def __aenter__(self) -> Self:
        self._pending: list[tuple[Event, EventMeta | None]] = []
        self._claims: set[tuple[str, UUID]] = set()
        self.committed = False
        self._begin()
        return self

    async def __aexit__(self, *args: object) -> None:
        self._pending, self._claims = [], set()

    def _begin(self) -> None:
        """Hook: give the repositories a working copy of the stored state."""

    def _apply(self) -> None:
        """Hook: make the working copy the stored state."""

    def publish(self, event: Event, *, cause: EventMeta | None = None) -> None:
        self._pending.append((event, cause))

    async def claim(self, meta: EventMeta) -> bool:
        key = (meta.consumer, meta.event_id)
        if key in self.messaging.claimed or key in self._claims:
            return False
        self._claims.add(key)
        return True

    async def claim_many(self, metas: Sequence[EventMeta]) -> set[UUID]:
        claimed: set[UUID] = set()
        for meta in metas:
            if await self.claim(meta):
                claimed.add(meta.event_id)
        return claimed

    async def commit(self) -> None:
        self._apply()
        for event, cause in self._pending:
            self.messaging.published.append(event)
            self.messaging.causes.append(cause)
        self.messaging.claimed |= self._claims
        self._pending, self._claims = [], set()
        self.committed = True
