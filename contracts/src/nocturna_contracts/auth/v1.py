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


class UserEmailVerified(Event):
    """The account's email address is confirmed as its owner's (verification link, password reset by mail,
    or sign-in with a provider that vouches for it). `email` is the address that was verified."""

    event_type: ClassVar[str] = "auth.user.email_verified.v1"
    producer: ClassVar[str] = "auth"

    user_id: UUID
    email: str
    verified_at: UtcDateTime


class UserDeleted(Event):
    """An account was deleted (by its owner or an admin); every service erases or anonymises its data."""

    event_type: ClassVar[str] = "auth.user.deleted.v1"
    producer: ClassVar[str] = "auth"

    user_id: UUID
    deleted_at: UtcDateTime


class UserRolesChanged(Event):
    """The roles of an account changed; `roles` is the complete new set."""

    event_type: ClassVar[str] = "auth.user.roles_changed.v1"
    producer: ClassVar[str] = "auth"

    user_id: UUID
    roles: list[str]
    changed_at: UtcDateTime


class SessionRevoked(Event):
    """A session ended before its natural expiry; access tokens carrying `session_id` as `sid` are void.

    `reason` is one of `logout`, `revoked`, `refresh_token_reuse`, `password_changed`, `user_disabled`,
    `user_deleted`; consumers must accept unknown reasons.
    """

    event_type: ClassVar[str] = "auth.session.revoked.v1"
    producer: ClassVar[str] = "auth"

    session_id: UUID
    user_id: UUID
    reason: str
    revoked_at: UtcDateTime
    access_tokens_expire_by: UtcDateTime | None = None


class ApiKeyRevoked(Event):
    """An API key was revoked or its owner deleted; caches resolving `api_key_id` or `prefix` must drop it."""

    event_type: ClassVar[str] = "auth.api_key.revoked.v1"
    producer: ClassVar[str] = "auth"

    api_key_id: UUID
    user_id: UUID
    prefix: str
    revoked_at: UtcDateTime
