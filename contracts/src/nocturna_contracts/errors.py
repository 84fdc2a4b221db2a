"""Errors raised while reading events off the wire.

They subclass ValueError, as pydantic's ValidationError does, so a consumer can treat every malformed
message alike (a poison message goes to its dead-letter queue; retrying it cannot help).
"""

from __future__ import annotations


class ContractError(ValueError):
    pass


class UnknownEventTypeError(ContractError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}: it is not in nocturna_contracts.EVENT_TYPES")
        self.event_type = event_type


class EventTypeMismatchError(ContractError):
    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"the envelope carries {actual!r}, not {expected!r}")
        self.expected = expected
        self.actual = actual
