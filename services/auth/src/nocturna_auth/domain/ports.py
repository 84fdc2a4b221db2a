"""Ports the auth application needs from infrastructure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from nocturna_auth.domain.refresh_tokens import RefreshToken
from nocturna_auth.domain.service_clients import ServiceClient
from nocturna_auth.domain.sessions import Session
from nocturna_auth.domain.users import User


class UserRepository(Protocol):
    async def add(self, user: User) -> None: ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...

    async def save(self, user: User) -> None: ...


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
