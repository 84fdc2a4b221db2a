"""Single-use secrets mailed to a user: email verification and password reset links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from nocturna_auth.domain.users import DomainError

SECRET_BYTES = 32


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a secret


class InvalidToken(DomainError):
    code = "invalid_token"


def token_digest(secret: str) -> str:
    """What is stored of a secret. It is 256 random bits, so one SHA-256 suffices (no slow hash needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class OneTimeToken:
    """A mailed secret for one purpose, stored only as its digest. It works once, before `expires_at`;
    issuing a newer token of the same purpose supersedes it."""

    id: UUID
    user_id: UUID
    purpose: TokenPurpose
    digest: str
    created_at: datetime
    expires_at: datetime
    consumed_at: datetime | None = None

    @classmethod
    def issue(
        cls, *, token_id: UUID, user_id: UUID, purpose: TokenPurpose, now: datetime, lifetime: timedelta
    ) -> tuple[OneTimeToken, str]:
        """A new token and its secret; the secret goes into the mail and is never kept."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        token = cls(
            id=token_id,
            user_id=user_id,
            purpose=purpose,
            digest=token_digest(secret),
            created_at=now,
            expires_at=now + lifetime,
        )
        return token, secret

    def is_usable(self, now: datetime) -> bool:
        return self.consumed_at is None and now < self.expires_at

    def consume(self, purpose: TokenPurpose, now: datetime) -> None:
        if self.purpose is not purpose or not self.is_usable(now):
            raise InvalidToken("the link is invalid, was used already or has expired")
        self.consumed_at = now

    def supersede(self, now: datetime) -> None:
        if self.consumed_at is None:
            self.consumed_at = now
