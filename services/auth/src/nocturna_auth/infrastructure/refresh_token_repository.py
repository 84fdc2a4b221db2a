"""SQL repository of refresh tokens, and the purge of spent ones."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from nocturna_auth.domain.refresh_tokens import RefreshToken
from nocturna_auth.infrastructure.tables import RefreshTokenRow


def _token(row: RefreshTokenRow) -> RefreshToken:
    return RefreshToken(
        digest=row.digest,
        session_id=row.session_id,
        scopes=frozenset(row.scopes),
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        rotated_at=row.rotated_at,
        successor=row.successor,
    )


class SqlRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        await self._session.flush()  # a session started in this transaction must be inserted first (FK)
        self._session.add(
            RefreshTokenRow(
                digest=token.digest,
                session_id=token.session_id,
                scopes=sorted(token.scopes),
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                rotated_at=token.rotated_at,
                successor=token.successor,
            )
        )

    async def get(self, digest: bytes) -> RefreshToken | None:
        row = await self._session.get(RefreshTokenRow, digest)
        return _token(row) if row else None

    async def get_for_update(self, digest: bytes) -> RefreshToken | None:
        row = await self._session.get(RefreshTokenRow, digest, with_for_update=True, populate_existing=True)
        return _token(row) if row else None

    async def save(self, token: RefreshToken) -> None:
        row = await self._session.get(RefreshTokenRow, token.digest)
        if row is not None:
            row.expires_at = token.expires_at
            row.rotated_at = token.rotated_at
            row.successor = token.successor


async def purge_refresh_tokens(
    session_factory: async_sessionmaker[AsyncSession], *, now: datetime, reuse_grace: timedelta
) -> None:
    """Delete expired tokens (a reuse can no longer be told from garbage) and drop sealed successors
    whose grace window has passed, so no recoverable pair outlives it for long."""
    async with session_factory() as session, session.begin():
        await session.execute(delete(RefreshTokenRow).where(col(RefreshTokenRow.expires_at) <= now))
        await session.execute(
            update(RefreshTokenRow)
            .where(
                col(RefreshTokenRow.successor).is_not(None),
                col(RefreshTokenRow.rotated_at) <= now - reuse_grace,
            )
            .values(successor=None)
        )
