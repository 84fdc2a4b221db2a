from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self, TypeVar
from uuid import UUID

from pydantic import AfterValidator, Field, model_validator

from nocturna_contracts.errors import EventTypeMismatchError
from nocturna_contracts.event import ContractModel, Event
from nocturna_contracts.timestamps import UtcDateTime

EVENT_TYPE_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$"
PRODUCER_PATTERN = r"^[a-z][a-z0-9_]*$"

EventT = TypeVar("EventT", bound=Event)


def _require_uuid7(value: UUID) -> UUID:
    if value.version != 7:
        raise ValueError("event_id must be a UUIDv7")
    return value


EventId = Annotated[UUID, AfterValidator(_require_uuid7)]


class Envelope(ContractModel):
    """One message on `nocturna.events`; `producer` is the first part of `event_type`.

    `payload` is the event in its JSON form: read it with `payload_as` or `parse_event`.
    """

    event_id: Annotated[EventId, Field(description="UUIDv7; also the AMQP message_id and the inbox key")]
    event_type: Annotated[str, Field(pattern=EVENT_TYPE_PATTERN)]
    occurred_at: UtcDateTime
    producer: Annotated[str, Field(pattern=PRODUCER_PATTERN)]
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    payload: dict[str, Any]

    @model_validator(mode="after")
    def _producer_owns_event_type(self) -> Self:
        if self.event_type.split(".", 1)[0] != self.producer:
            raise ValueError(f"producer {self.producer!r} cannot publish {self.event_type!r}")
        return self

    @classmethod
    def wrap(
        cls,
        event: Event,
        *,
        event_id: UUID,
        occurred_at: datetime,
        correlation_id: UUID | None = None,
        caused_by: Envelope | None = None,
    ) -> Envelope:
        """An event caused by another names it in `causation_id` and inherits its correlation id."""
        causation_id = None
        if caused_by is not None:
            causation_id = caused_by.event_id
            if correlation_id is None:
                correlation_id = caused_by.correlation_id or caused_by.event_id
        return cls(
            event_id=event_id,
            event_type=event.event_type,
            occurred_at=occurred_at,
            producer=event.producer,
            correlation_id=correlation_id,
            causation_id=causation_id,
            payload=event.model_dump(mode="json"),
        )

    def payload_as(self, event_class: type[EventT]) -> EventT:
        if event_class.event_type != self.event_type:
            raise EventTypeMismatchError(expected=event_class.event_type, actual=self.event_type)
        return event_class.model_validate(self.payload)
