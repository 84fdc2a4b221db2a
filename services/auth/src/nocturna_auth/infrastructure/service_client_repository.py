"""SQL repository of service clients."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from nocturna_auth.domain.service_clients import ServiceClient
from nocturna_auth.infrastructure.tables import ServiceClientRow


def _client(row: ServiceClientRow) -> ServiceClient:
    return ServiceClient(
        id=row.id,
        name=row.name,
        secret_hash=row.secret_hash,
        scopes=frozenset(row.scopes),
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


class SqlServiceClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, client: ServiceClient) -> None:
        self._session.add(
            ServiceClientRow(
                id=client.id,
                name=client.name,
                secret_hash=client.secret_hash,
                scopes=sorted(client.scopes),
                created_at=client.created_at,
                disabled_at=client.disabled_at,
            )
        )

    async def get(self, client_id: UUID) -> ServiceClient | None:
        row = await self._session.get(ServiceClientRow, client_id)
        return _client(row) if row else None

    async def save(self, client: ServiceClient) -> None:
        row = await self._session.get(ServiceClientRow, client.id)
        if row is not None:
            row.name = client.name
            row.secret_hash = client.secret_hash
            row.scopes = sorted(client.scopes)
            row.disabled_at = client.disabled_at
