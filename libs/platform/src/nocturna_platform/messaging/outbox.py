"""Writing events to the outbox inside the business transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event
from opentelemetry.propagate import inject
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from nocturna_platform.ids import uuid7
from nocturna_platform.messaging.meta import EventMeta


def build_envelope(event: Event, *, occurred_at: datetime, cause: EventMeta | None = None) -> Envelope:
    """Wrap an event; a caused event inherits the correlation id and names its cause."""
    event_id = uuid7()
    correlation_id = (cause.correlation_id or cause.event_id) if cause else event_id
    return Envelope(
        event_id=event_id,
        event_type=event.event_type,
        occurred_at=occurred_at,
        producer=event.producer,
        correlation_id=correlation_id,
        causation_id=cause.event_id if cause else None,
        payload=event.model_dump(mode="json"),
    )


class Outbox:
    """Collects the events of one unit of work and inserts them in one statement just before commit."""

    def __init__(self, session: AsyncSession, table: Table, clock: Callable[[], datetime]) -> None:
        self._session = session
        self._table = table
        self._clock = clock
        self._pending: list[dict[str, Any]] = []

    def add(self, event: Event, *, cause: EventMeta | None = None) -> Envelope:
        envelope = build_envelope(event, occurred_at=self._clock(), cause=cause)
        headers: dict[str, str] = {}
        inject(headers)
        self._pending.append(
            {
                "event_id": envelope.event_id,
                "event_type": envelope.event_type,
                "body": envelope.model_dump_json(),
                "headers": headers,
            }
        )
        return envelope

    async def flush(self) -> None:
        if self._pending:
            await self._session.execute(insert(self._table), self._pending)
            self._pending = []
