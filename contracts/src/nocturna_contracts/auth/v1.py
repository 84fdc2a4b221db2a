from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from nocturna_contracts.event import Event
from nocturna_contracts.timestamps import UtcDateTime


class UserRegistered(Event):
    """A user account was created; `email_verified` stays false until the address is confirmed."""

    event_type: ClassVar[str] = "auth.user.registered.v1"
    producer: ClassVar[str] = "auth"

    user_id: UUID
    email: str
    display_name: str | None = None
    email_verified: bool = False
    registered_at: UtcDateTime
