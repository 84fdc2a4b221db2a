"""Mail to account owners: the message, the mail outbox it is queued in, the transport that sends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class EmailKind(StrEnum):
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of mail, not a secret
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a kind of mail, not a secret
    REGISTRATION_ATTEMPT = "registration_attempt"


@dataclass(frozen=True)
class EmailMessage:
    """One plain-text mail to one address. Its body may hold a secret link: it is never logged."""

    to: str
    subject: str
    body: str
    kind: EmailKind


class OutgoingEmails(Protocol):
    """Port: the mail outbox. A queued message is sent after its transaction commits, and only then."""

    async def queue(self, message: EmailMessage) -> None: ...

    async def last_queued_at(self, to: str, kind: EmailKind) -> datetime | None:
        """When a message of this kind to this address was last queued (for cool-downs against mail floods)."""
        ...


class EmailSender(Protocol):
    """Port: hands one message to a mail transport; raises when the transport did not accept it."""

    async def send(self, message: EmailMessage, *, message_id: UUID) -> None: ...
