"""Query: the caller's API keys, newest first, one keyset page at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from nocturna_auth.application.pages import Page, page_of
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.api_keys import ApiKey


@dataclass(frozen=True)
class ListApiKeys:
    user_id: UUID
    limit: int
    before: UUID | None = None


class ListApiKeysHandler:
    def __init__(self, uow: Callable[[], AuthUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, query: ListApiKeys) -> Page[ApiKey]:
        async with self._uow() as uow:
            keys = await uow.api_keys.for_user(query.user_id, limit=query.limit + 1, before=query.before)
        return page_of(keys, query.limit, lambda key: key.id)
