"""SQL repository of API keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from nocturna_auth.domain.api_keys import ApiKey
from nocturna_auth.infrastructure.tables import ApiKeyRow


def _api_key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        public_id=row.public_id,
        secret_hash=row.secret_hash,
        scopes=frozenset(row.scopes),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class SqlApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, key: ApiKey) -> None:
        self._session.add(
            ApiKeyRow(
                id=key.id,
                user_id=key.user_id,
                name=key.name,
                public_id=key.public_id,
                secret_hash=key.secret_hash,
                scopes=sorted(key.scopes),
                created_at=key.created_at,
                expires_at=key.expires_at,
                last_used_at=key.last_used_at,
                revoked_at=key.revoked_at,
            )
        )

    async def get(self, key_id: UUID) -> ApiKey | None:
        row = await self._session.get(ApiKeyRow, key_id)
        return _api_key(row) if row else None

    async def by_public_id(self, public_id: str) -> ApiKey | None:
        row = (
            await self._session.execute(select(ApiKeyRow).where(col(ApiKeyRow.public_id) == public_id))
        ).scalar_one_or_none()
        return _api_key(row) if row else None

    async def for_user(
        self, user_id: UUID, *, limit: int | None = None, before: UUID | None = None
    ) -> Sequence[ApiKey]:
        statement = (
            select(ApiKeyRow).where(col(ApiKeyRow.user_id) == user_id).order_by(col(ApiKeyRow.id).desc())
        )
        if before is not None:
            statement = statement.where(col(ApiKeyRow.id) < before)
        if limit is not None:
            statement = statement.limit(limit)
        return [_api_key(row) for row in (await self._session.execute(statement)).scalars()]

    async def count_active(self, user_id: UUID, now: datetime) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(ApiKeyRow)
            .where(
                col(ApiKeyRow.user_id) == user_id,
                col(ApiKeyRow.revoked_at).is_(None),
                or_(col(ApiKeyRow.expires_at).is_(None), col(ApiKeyRow.expires_at) > now),
            )
        )
        return int(count or 0)

    async def save(self, key: ApiKey) -> None:
        """Writes the fields a key's owner or admin may change; `last_used_at` goes through `record_use`."""
        row = await self._session.get(ApiKeyRow, key.id)
        if row is not None:
            row.name = key.name
            row.revoked_at = key.revoked_at

    async def record_use(self, key_id: UUID, at: datetime) -> None:
        await self._session.execute(
            update(ApiKeyRow)
            .where(
                col(ApiKeyRow.id) == key_id,
                or_(col(ApiKeyRow.last_used_at).is_(None), col(ApiKeyRow.last_used_at) < at),
            )
            .values(last_used_at=at)
        )
