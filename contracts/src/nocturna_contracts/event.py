from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    """A wire model: immutable, and blind to fields it does not know so producers may add optional ones."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(ContractModel):
    """The payload of one event type and version.

    `event_type` is the routing key `<producer>.<entity>.<past-verb>.v<N>`; `producer` is its first part.
    """

    event_type: ClassVar[str]
    producer: ClassVar[str]
