"""Query: one API key, visible to its owner (and to principals allowed to read any owner's keys)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from nocturna_platform.security.principal import Principal

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.api_keys import ApiKey, ApiKeyNotFound


@dataclass(frozen=True)
class GetApiKey:
    key_id: UUID
    actor: Principal


class GetApiKeyHandler:
    def __init__(self, uow: Callable[[], AuthUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, query: GetApiKey) -> ApiKey:
        async with self._uow() as uow:
            key = await uow.api_keys.get(query.key_id)
        if key is None or not query.actor.can_access(key.user_id, "api_keys:read"):
            raise ApiKeyNotFound("no such API key")
        return key
