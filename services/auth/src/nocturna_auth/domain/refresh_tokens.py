"""Refresh tokens: opaque secrets chained per session, rotated on every use; only a digest is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.domain.sessions import Session
from nocturna_auth.domain.users import DomainError


class InvalidRefreshToken(DomainError):
    """Unknown, expired or rotated token, ended session or disabled account: one answer for all."""

    code = "invalid_grant"


class RefreshTokenReused(InvalidRefreshToken):
    """A rotated token came back after the grace window: a copy was stolen, so its session was revoked."""


@dataclass
class RefreshToken:
    """One link of a session's chain: usable once, then rotated; never outlives its session.

    After rotation `successor` holds the pair the rotation issued, sealed under this token's secret, so a
    concurrent refresh of the same client can recover it during the grace window (and nobody else ever).
    """

    digest: bytes
    session_id: UUID
    scopes: frozenset[str]
    issued_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None
    successor: bytes | None = None

    @classmethod
    def issue(
        cls, *, digest: bytes, session: Session, scopes: frozenset[str], now: datetime, ttl: timedelta
    ) -> RefreshToken:
        return cls(
            digest=digest,
            session_id=session.id,
            scopes=scopes,
            issued_at=now,
            expires_at=min(now + ttl, session.expires_at),
        )

    @property
    def is_rotated(self) -> bool:
        return self.rotated_at is not None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def in_grace(self, now: datetime, grace: timedelta) -> bool:
        """Rotated so recently that a second use is a concurrent refresh, not a stolen copy."""
        return self.rotated_at is not None and self.successor is not None and now < self.rotated_at + grace

    def rotate(self, now: datetime, sealed_successor: bytes) -> None:
        if self.rotated_at is not None:
            raise ValueError("a refresh token rotates once")
        self.rotated_at = now
        self.successor = sealed_successor
