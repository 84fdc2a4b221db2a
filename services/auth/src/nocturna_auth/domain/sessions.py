"""Sessions: one per sign-in on a device; refresh tokens and access tokens (`sid`) belong to one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from nocturna_auth.domain.users import DomainError


class SessionNotFound(DomainError):
    """No active session with this id belongs to the caller (another user's session is not found either)."""

    code = "not_found"


class RevocationReason(StrEnum):
    LOGOUT = "logout"
    REVOKED = "revoked"
    REFRESH_TOKEN_REUSE = "refresh_token_reuse"  # noqa: S105 - a reason, not a secret
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a secret
    USER_DISABLED = "user_disabled"
    USER_DELETED = "user_deleted"


@dataclass
class Session:
    """A signed-in device. It ends at `expires_at` or when revoked; a revoked session never comes back."""

    id: UUID
    user_id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None = None
    ip: str | None = None
    revoked_at: datetime | None = None
    revoke_reason: RevocationReason | None = None

    @classmethod
    def start(
        cls,
        *,
        session_id: UUID,
        user_id: UUID,
        now: datetime,
        lifetime: timedelta,
        user_agent: str | None,
        ip: str | None,
    ) -> Session:
        return cls(
            id=session_id,
            user_id=user_id,
            created_at=now,
            last_used_at=now,
            expires_at=now + lifetime,
            user_agent=user_agent,
            ip=ip,
        )

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def touch(self, now: datetime, *, ip: str | None = None, user_agent: str | None = None) -> None:
        self.last_used_at = now
        self.ip = ip or self.ip
        self.user_agent = user_agent or self.user_agent

    def revoke(self, now: datetime, reason: RevocationReason) -> bool:
        """End the session; False when it had already ended by revocation (nothing new to announce)."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = now
        self.revoke_reason = reason
        return True
