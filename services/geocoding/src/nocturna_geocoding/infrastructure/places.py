"""Reading places from the `geocoding` schema."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from nocturna_geocoding.infrastructure.tables import PlaceRow


class SqlPlaceReader:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def get(self, place_id: int) -> PlaceRow | None:
        async with self._session_factory() as session:
            return await session.get(PlaceRow, place_id)
