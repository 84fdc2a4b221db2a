"""What a consumer knows about the event it handles, besides the payload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from nocturna_contracts.event import Event

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class EventMeta:
    consumer: str
    event_id: UUID
    event_type: str
    occurred_at: datetime
    producer: str
    correlation_id: UUID | None
    causation_id: UUID | None
    delivery_attempt: int = 1


@dataclass(frozen=True)
class Delivery(Generic[E]):
    """One delivered event and what the consumer knows about it; a batch handler gets several."""

    event: E
    meta: EventMeta
