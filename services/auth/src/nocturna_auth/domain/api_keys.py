"""API keys for partner apps: shown once, stored as a keyed hash, scoped, expiring, revocable."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from nocturna_auth.domain.users import DomainError

KEY_PREFIX = "nct_live_"
"""Every key starts with it, so secret scanners and people recognise a Nocturna key at a glance."""

PUBLIC_ID_LENGTH = 8
SECRET_LENGTH = 43  # 43 base62 characters ≈ 256 bits
_PUBLIC_ID_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits

API_KEY_SCOPES = frozenset(
    {"charts:read", "charts:write", "profiles:read", "profiles:write", "subscriptions:read"}
)
"""What a key may be granted: the owner's own-resource permissions (nocturna_platform's `ROLE_PERMISSIONS`
for `user`) minus the account's security surface (`sessions:*`, `api_keys:*`) and billing changes."""

API_KEY_ROLES = frozenset({"user"})
"""A key acts as a plain user within its scopes, even when its owner is an admin."""

USE_RECORDING_INTERVAL = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key, so introspection does not write on every call."""


class UnknownScope(DomainError):
    code = "unknown_scope"


class ApiKeyLimitReached(DomainError):
    code = "api_key_limit_reached"


class InvalidExpiry(DomainError):
    code = "invalid_expiry"


class ApiKeyNotFound(DomainError):
    """Unknown, or not the caller's: both answer the same (404), so ids of others' keys leak nothing."""

    code = "not_found"


class SecretHasher(Protocol):
    """Port: a keyed, fast hash of a key's secret (HMAC-SHA256 under a pepper) and its constant-time check."""

    def digest(self, secret: str) -> str: ...

    def matches(self, secret: str, digest: str) -> bool: ...


@dataclass(frozen=True)
class PresentedKey:
    """A key as a client sends it: `nct_live_<public id>_<secret>`."""

    public_id: str
    secret: str = field(repr=False)

    @classmethod
    def parse(cls, raw: str) -> PresentedKey | None:
        """None for anything that is not shaped like one of our keys."""
        if not raw.startswith(KEY_PREFIX):
            return None
        public_id, separator, secret = raw.removeprefix(KEY_PREFIX).partition("_")
        if (
            not separator
            or len(public_id) != PUBLIC_ID_LENGTH
            or len(secret) != SECRET_LENGTH
            or not set(public_id) <= set(_PUBLIC_ID_ALPHABET)
            or not set(secret) <= set(_SECRET_ALPHABET)
        ):
            return None
        return cls(public_id, secret)

    @classmethod
    def generate(cls) -> PresentedKey:
        return cls(
            public_id="".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH)),
            secret="".join(secrets.choice(_SECRET_ALPHABET) for _ in range(SECRET_LENGTH)),
        )

    @property
    def plaintext(self) -> str:
        return f"{KEY_PREFIX}{self.public_id}_{self.secret}"


def check_scopes(scopes: frozenset[str]) -> None:
    if not scopes:
        raise UnknownScope("at least one scope is required")
    unknown = scopes - API_KEY_SCOPES
    if unknown:
        raise UnknownScope(f"unknown scopes: {', '.join(sorted(unknown))}")


@dataclass
class ApiKey:
    """A partner app's credential, owned by one user; only the keyed hash of its secret is kept.

    Active while neither revoked nor expired; a revoked key never comes back.
    """

    id: UUID
    user_id: UUID
    name: str
    public_id: str
    secret_hash: str = field(repr=False)  # never in logs or tracebacks
    scopes: frozenset[str]
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        key_id: UUID,
        user_id: UUID,
        name: str,
        scopes: frozenset[str],
        expires_at: datetime | None,
        presented: PresentedKey,
        hasher: SecretHasher,
        now: datetime,
    ) -> ApiKey:
        check_scopes(scopes)
        if expires_at is not None and expires_at <= now:
            raise InvalidExpiry("the expiry must be in the future")
        return cls(
            id=key_id,
            user_id=user_id,
            name=name.strip(),
            public_id=presented.public_id,
            secret_hash=hasher.digest(presented.secret),
            scopes=scopes,
            created_at=now,
            expires_at=expires_at,
        )

    @property
    def prefix(self) -> str:
        """The visible part of the key, safe to show in lists and logs."""
        return f"{KEY_PREFIX}{self.public_id}"

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def verify(self, presented: PresentedKey, hasher: SecretHasher) -> bool:
        return presented.public_id == self.public_id and hasher.matches(presented.secret, self.secret_hash)

    def use_is_due(self, now: datetime) -> bool:
        """Whether a use at `now` should be recorded (throttled to one write per interval)."""
        return self.last_used_at is None or now - self.last_used_at >= USE_RECORDING_INTERVAL

    def revoke(self, now: datetime) -> bool:
        """False when it was revoked already (nothing new to announce)."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = now
        return True
