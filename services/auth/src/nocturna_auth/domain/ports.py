"""Ports the auth application needs from infrastructure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from nocturna_auth.domain.api_keys import ApiKey
from nocturna_auth.domain.external_identities import ExternalIdentityLink
from nocturna_auth.domain.one_time_tokens import OneTimeToken, TokenPurpose
from nocturna_auth.domain.refresh_tokens import RefreshToken
from nocturna_auth.domain.service_clients import ServiceClient
from nocturna_auth.domain.sessions import Session
from nocturna_auth.domain.users import User


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Store a new account; `EmailAlreadyRegistered` when the email is taken, even by a concurrent
        transaction that committed meanwhile (the transaction stays usable)."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...

    async def save(self, user: User) -> None: ...

    async def get_for_update(self, user_id: UUID) -> User | None:
        """The user, locked until the end of the transaction (concurrent changes to it wait)."""
        ...

    async def delete(self, user_id: UUID) -> None:
        """Delete the account and everything hanging off it (sessions, API keys, …)."""
        ...

    async def search(
        self, *, email_contains: str | None, role: str | None, limit: int, before: UUID | None
    ) -> Sequence[User]:
        """Users newest first (ids are time-ordered), optionally filtered, with ids below `before`."""
        ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: UUID) -> Session | None: ...

    async def get_for_update(self, session_id: UUID) -> Session | None:
        """The session, locked until the transaction ends (concurrent refreshes and revocations queue)."""
        ...

    async def active_for_user(self, user_id: UUID) -> Sequence[Session]:
        """Sessions of the user that are neither revoked nor expired, newest first."""
        ...

    async def active_page(self, user_id: UUID, *, limit: int, before: UUID | None) -> Sequence[Session]:
        """Up to `limit` active sessions of the user, newest first, with an id below `before` if given."""
        ...

    async def save(self, session: Session) -> None: ...


class ApiKeyRepository(Protocol):
    async def add(self, key: ApiKey) -> None: ...

    async def get(self, key_id: UUID) -> ApiKey | None: ...

    async def by_public_id(self, public_id: str) -> ApiKey | None: ...

    async def for_user(
        self, user_id: UUID, *, limit: int | None = None, before: UUID | None = None
    ) -> Sequence[ApiKey]:
        """The user's keys newest first (ids are time-ordered), with ids below `before`."""
        ...

    async def count_active(self, user_id: UUID, now: datetime) -> int: ...

    async def save(self, key: ApiKey) -> None: ...

    async def record_use(self, key_id: UUID, at: datetime) -> None:
        """Set `last_used_at` alone, so a concurrent revocation is never overwritten."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get(self, digest: bytes) -> RefreshToken | None: ...

    async def get_for_update(self, digest: bytes) -> RefreshToken | None:
        """The token, locked until the transaction ends: concurrent refreshes of one token run one by one."""
        ...

    async def save(self, token: RefreshToken) -> None: ...


class ServiceClientRepository(Protocol):
    async def add(self, client: ServiceClient) -> None: ...

    async def get(self, client_id: UUID) -> ServiceClient | None: ...

    async def save(self, client: ServiceClient) -> None: ...


class OneTimeTokenRepository(Protocol):
    async def add(self, token: OneTimeToken) -> None: ...

    async def by_digest(self, digest: str) -> OneTimeToken | None:
        """The token with this digest, locked until the transaction ends, so that it is consumed only once."""
        ...

    async def unused_for_user(self, user_id: UUID, purpose: TokenPurpose) -> Sequence[OneTimeToken]: ...

    async def save(self, token: OneTimeToken) -> None: ...


class ExternalIdentityRepository(Protocol):
    async def get(self, provider: str, subject: str) -> ExternalIdentityLink | None: ...

    async def add(self, link: ExternalIdentityLink) -> bool:
        """False (and nothing changed) when the provider's subject is linked already."""
        ...

    async def save(self, link: ExternalIdentityLink) -> None: ...
