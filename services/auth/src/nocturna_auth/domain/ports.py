"""Ports the auth application needs from infrastructure."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from nocturna_auth.domain.users import User


class UserRepository(Protocol):
    async def add(self, user: User) -> None: ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...

    async def save(self, user: User) -> None: ...
