"""SQL repositories of the auth service."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from nocturna_auth.domain.users import User
from nocturna_auth.infrastructure.tables import UserRow


def _to_domain(row: UserRow) -> User:
    return User(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        display_name=row.display_name,
        created_at=row.created_at,
        email_verified=row.email_verified,
        roles=frozenset(row.roles),
    )


class SqlUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> None:
        self._session.add(
            UserRow(
                id=user.id,
                email=user.email,
                password_hash=user.password_hash,
                display_name=user.display_name,
                email_verified=user.email_verified,
                roles=sorted(user.roles),
                created_at=user.created_at,
            )
        )

    async def get(self, user_id: UUID) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return _to_domain(row) if row else None

    async def by_email(self, email: str) -> User | None:
        row = (
            await self._session.execute(select(UserRow).where(col(UserRow.email) == email))
        ).scalar_one_or_none()
        return _to_domain(row) if row else None

    async def save(self, user: User) -> None:
        row = await self._session.get(UserRow, user.id)
        if row is not None:
            row.password_hash = user.password_hash
            row.display_name = user.display_name
            row.email_verified = user.email_verified
            row.roles = sorted(user.roles)
