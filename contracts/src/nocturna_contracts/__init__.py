"""Wire contracts of the Nocturna events: the envelope, one payload model per event type and version."""

from nocturna_contracts.envelope import Envelope
from nocturna_contracts.errors import ContractError, EventTypeMismatchError, UnknownEventTypeError
from nocturna_contracts.event import ContractModel, Event
from nocturna_contracts.registry import EVENT_TYPES, parse_event
from nocturna_contracts.timestamps import UtcDateTime

__all__ = [
    "EVENT_TYPES",
    "ContractError",
    "ContractModel",
    "Envelope",
    "Event",
    "EventTypeMismatchError",
    "UnknownEventTypeError",
    "UtcDateTime",
    "parse_event",
]
