"""Ports the auth application needs from infrastructure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from nocturna_auth.domain.one_time_tokens import OneTimeToken, TokenPurpose
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

    async def active_for_user(self, user_id: UUID) -> Sequence[Session]:
        """Sessions of the user that are neither revoked nor expired, newest first."""
        ...

    async def save(self, session: Session) -> None: ...


class OneTimeTokenRepository(Protocol):
    async def add(self, token: OneTimeToken) -> None: ...

    async def by_digest(self, digest: str) -> OneTimeToken | None:
        """The token with this digest, locked until the transaction ends, so that it is consumed only once."""
        ...

    async def unused_for_user(self, user_id: UUID, purpose: TokenPurpose) -> Sequence[OneTimeToken]: ...

    async def save(self, token: OneTimeToken) -> None: ...
