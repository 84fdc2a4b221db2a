"""What a consumer knows about the event it handles, besides the payload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


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
