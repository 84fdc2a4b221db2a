"""SQL repository of mailed single-use tokens."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from nocturna_auth.domain.one_time_tokens import OneTimeToken, TokenPurpose
from nocturna_auth.infrastructure.tables import OneTimeTokenRow


def _token(row: OneTimeTokenRow) -> OneTimeToken:
    return OneTimeToken(
        id=row.id,
        user_id=row.user_id,
        purpose=TokenPurpose(row.purpose),
        digest=row.digest,
        created_at=row.created_at,
        expires_at=row.expires_at,
        consumed_at=row.consumed_at,
    )


class SqlOneTimeTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: OneTimeToken) -> None:
        # Without an ORM relationship the flush does not order tables by foreign key: write a user added in
        # this transaction first.
        await self._session.flush()
        self._session.add(
            OneTimeTokenRow(
                id=token.id,
                user_id=token.user_id,
                purpose=token.purpose.value,
                digest=token.digest,
                created_at=token.created_at,
                expires_at=token.expires_at,
                consumed_at=token.consumed_at,
            )
        )

    async def by_digest(self, digest: str) -> OneTimeToken | None:
        row = (
            await self._session.execute(
                select(OneTimeTokenRow).where(col(OneTimeTokenRow.digest) == digest).with_for_update()
            )
        ).scalar_one_or_none()
        return _token(row) if row else None

    async def unused_for_user(self, user_id: UUID, purpose: TokenPurpose) -> Sequence[OneTimeToken]:
        rows = (
            await self._session.execute(
                select(OneTimeTokenRow)
                .where(
                    col(OneTimeTokenRow.user_id) == user_id,
                    col(OneTimeTokenRow.purpose) == purpose.value,
                    col(OneTimeTokenRow.consumed_at).is_(None),
                )
                .with_for_update()
            )
        ).scalars()
        return [_token(row) for row in rows]

    async def save(self, token: OneTimeToken) -> None:
        row = await self._session.get(OneTimeTokenRow, token.id)
        if row is not None:
            row.consumed_at = token.consumed_at
