"""The user account aggregate and the rules of its credentials."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class DomainError(Exception):
    code = "domain_error"


class InvalidEmail(DomainError):
    code = "invalid_email"


class WeakPassword(DomainError):
    code = "weak_password"


class EmailAlreadyRegistered(DomainError):
    code = "email_taken"


class InvalidCredentials(DomainError):
    code = "invalid_grant"


class AccountDisabled(DomainError):
    code = "account_disabled"


def normalise_email(raw: str) -> str:
    """Emails compare case-insensitively; stored trimmed and lower-cased."""
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidEmail("not a valid email address")
    return email


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


class PasswordHasher(Protocol):
    """Port: slow, salted hashing of passwords (argon2id in production)."""

    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass
class User:
    """A registered account; `roles` drive authorization, email is unique."""

    id: UUID
    email: str
    password_hash: str
    display_name: str | None
    created_at: datetime
    email_verified: bool = False
    roles: frozenset[str] = field(default_factory=lambda: frozenset({"user"}))
    disabled_at: datetime | None = None

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    @classmethod
    def register(
        cls,
        *,
        user_id: UUID,
        email: str,
        password: str,
        display_name: str | None,
        hasher: PasswordHasher,
        now: datetime,
    ) -> User:
        check_password_policy(password)
        return cls(
            id=user_id,
            email=normalise_email(email),
            password_hash=hasher.hash(password),
            display_name=display_name.strip() if display_name else None,
            created_at=now,
        )

    def authenticate(self, password: str, hasher: PasswordHasher) -> bool:
        """Verify the password; rehash transparently when the hashing parameters changed."""
        if not hasher.verify(self.password_hash, password):
            return False
        if hasher.needs_rehash(self.password_hash):
            self.password_hash = hasher.hash(password)
        return True
