"""The user account aggregate and the rules of its credentials."""

from __future__ import annotations

import re
from collections.abc import Container
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

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class EmailAlreadyRegistered(DomainError):
    code = "email_taken"


class InvalidCredentials(DomainError):
    code = "invalid_grant"


class AccountDisabled(DomainError):
    code = "account_disabled"


class UserNotFound(DomainError):
    code = "not_found"


class EmailNotVerified(DomainError):
    code = "email_not_verified"


class PasswordMismatch(DomainError):
    code = "invalid_password"


class InvalidRoles(DomainError):
    code = "invalid_roles"


class SelfLockout(DomainError):
    """An admin may not demote, disable or delete themselves through the admin routes."""

    code = "self_lockout"


ADMIN_ROLE = "admin"
USER_ROLE = "user"
ASSIGNABLE_ROLES = frozenset({USER_ROLE, ADMIN_ROLE})
"""Roles an account can hold; `service` belongs to service clients only, and every account keeps `user`."""


class AccountNotFound(DomainError):
    code = "not_found"


class EmailAlreadyVerified(DomainError):
    code = "email_already_verified"


class TooManyAttempts(DomainError):
    """Refused for now; the caller may try again after `retry_after_seconds`."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


def normalise_email(raw: str) -> str:
    """Emails compare case-insensitively; stored trimmed and lower-cased."""
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidEmail("not a valid email address")
    return email


@dataclass(frozen=True)
class PasswordPolicy:
    """A password has 10 to 1024 characters, is not on the common/breached list in any letter case, and is
    neither the account's email nor its local part."""

    common_passwords: Container[str] = frozenset()

    def check(self, password: str, *, email: str | None = None) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(
                f"the password must have at least {MIN_PASSWORD_LENGTH} characters", "too_short"
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            raise WeakPassword(f"the password must have at most {MAX_PASSWORD_LENGTH} characters", "too_long")
        folded = password.strip().lower()
        if folded in self.common_passwords:
            raise WeakPassword(
                "this password is too common: it appears in lists of leaked passwords", "common_password"
            )
        if email is not None:
            email = email.strip().lower()
            if folded in (email, email.partition("@")[0]):
                raise WeakPassword("the password must not be your email address", "matches_email")


class PasswordHasher(Protocol):
    """Port: slow, salted hashing of passwords (argon2id in production). Slow on purpose (0.3 s of CPU),
    so hashing and verifying are awaited: the adapter does the work off the event loop, which meanwhile
    serves every other request."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass
class User:
    """A registered account; `roles` drive authorization, email is unique."""

    id: UUID
    email: str
    password_hash: str | None = field(repr=False)
    """None for an account created through a provider until a password is set (reset by mail); never in a
    repr, so never in a log or traceback."""
    display_name: str | None
    created_at: datetime
    email_verified: bool = False
    roles: frozenset[str] = field(default_factory=lambda: frozenset({"user"}))
    disabled_at: datetime | None = None

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    @classmethod
    async def register(
        cls,
        *,
        user_id: UUID,
        email: str,
        password: str,
        display_name: str | None,
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        now: datetime,
    ) -> User:
        email = normalise_email(email)
        policy.check(password, email=email)
        return cls(
            id=user_id,
            email=email,
            password_hash=await hasher.hash(password),
            display_name=display_name.strip() if display_name else None,
            created_at=now,
        )

    @classmethod
    def register_without_password(
        cls, *, user_id: UUID, email: str, display_name: str | None, now: datetime
    ) -> User:
        """An account signed up through an OpenID provider: no password until one is set by reset mail.
        The caller marks the address verified when the provider vouched for it."""
        return cls(
            id=user_id,
            email=normalise_email(email),
            password_hash=None,
            display_name=display_name.strip()[:200] if display_name and display_name.strip() else None,
            created_at=now,
        )

    async def authenticate(self, password: str, hasher: PasswordHasher) -> bool:
        """Verify the password; rehash transparently when the hashing parameters changed."""
        if self.password_hash is None:
            await hasher.hash(password)  # same cost as a real check: no timing oracle
            return False
        if not await hasher.verify(self.password_hash, password):
            return False
        if hasher.needs_rehash(self.password_hash):
            self.password_hash = await hasher.hash(password)
        return True

    def assign_roles(self, roles: frozenset[str]) -> bool:
        """Replace the roles; False when they are unchanged (nothing to announce)."""
        if not roles <= ASSIGNABLE_ROLES:
            raise InvalidRoles(f"roles must be among {', '.join(sorted(ASSIGNABLE_ROLES))}")
        if USER_ROLE not in roles:
            raise InvalidRoles(f"every account keeps the role {USER_ROLE!r}")
        if roles == self.roles:
            return False
        self.roles = roles
        return True

    def disable(self, now: datetime) -> bool:
        """False when it was disabled already."""
        if self.disabled_at is not None:
            return False
        self.disabled_at = now
        return True

    def enable(self) -> bool:
        """False when it was not disabled."""
        if self.disabled_at is None:
            return False
        self.disabled_at = None
        return True

    async def change_password(
        self, new_password: str, hasher: PasswordHasher, policy: PasswordPolicy
    ) -> None:
        policy.check(new_password, email=self.email)
        self.password_hash = await hasher.hash(new_password)

    def verify_email(self) -> bool:
        """False when the address was verified already (nothing to announce)."""
        if self.email_verified:
            return False
        self.email_verified = True
        return True
