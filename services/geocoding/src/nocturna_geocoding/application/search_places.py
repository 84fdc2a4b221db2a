"""Search places by name: the local data first, a remote provider only when configured and nothing is found."""

from __future__ import annotations

import hashlib
import logging

from nocturna_geocoding.application.cache import AnswerCache
from nocturna_geocoding.domain.places import GeocodingProvider, Place, PlaceQuery

_logger = logging.getLogger("nocturna.geocoding.search")


class SearchPlacesHandler:
    """Answers are cached by query; a remote provider's failure is logged and answers nothing, uncached."""

    def __init__(
        self,
        local: GeocodingProvider,
        cache: AnswerCache,
        dataset: str,
        remote: GeocodingProvider | None = None,
    ) -> None:
        self._local = local
        self._cache = cache
        self._dataset = dataset
        self._remote = remote

    async def __call__(self, query: PlaceQuery) -> list[Place]:
        key = self._key(query)
        cached = await self._cache.get(key)
        if cached is not None:
            return [Place(**item) for item in cached]
        places = await self._local.search(query)
        if not places and self._remote is not None:
            try:
                places = await self._remote.search(query)
            except Exception:
                _logger.warning("remote geocoding failed", exc_info=True)
                return []
        await self._cache.put(key, [dict(vars(place)) for place in places])  # `asdict` costs 10x more
        return places

    def _key(self, query: PlaceQuery) -> str:
        digest = hashlib.sha256(query.text.casefold().encode()).hexdigest()[:32]
        return f"search:{self._dataset}:{query.country or '-'}:{query.limit}:{digest}"
