"""SQL repository of the OpenID identities linked to users."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from nocturna_auth.domain.external_identities import ExternalIdentityLink
from nocturna_auth.infrastructure.tables import ExternalIdentityRow


class SqlExternalIdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, provider: str, subject: str) -> ExternalIdentityLink | None:
        row = await self._session.get(ExternalIdentityRow, (provider, subject))
        if row is None:
            return None
        return ExternalIdentityLink(row.provider, row.subject, row.user_id, row.created_at, row.last_login_at)

    async def add(self, link: ExternalIdentityLink) -> bool:
        """False when the identity is linked already (a concurrent first sign-in that committed first: the
        insert waits for it, then skips)."""
        inserted = await self._session.execute(
            insert(ExternalIdentityRow)
            .values(
                provider=link.provider,
                subject=link.subject,
                user_id=link.user_id,
                created_at=link.created_at,
                last_login_at=link.last_login_at,
            )
            .on_conflict_do_nothing(index_elements=["provider", "subject"])
            .returning(col(ExternalIdentityRow.provider))
        )
        return inserted.first() is not None

    async def save(self, link: ExternalIdentityLink) -> None:
        row = await self._session.get(ExternalIdentityRow, (link.provider, link.subject))
        if row is not None:
            row.last_login_at = link.last_login_at
