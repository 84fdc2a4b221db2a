"""Auth's revocations applied at the edge: deny-list entries and dropped API-key cache entries.

Every effect is idempotent (an entry ends at an absolute time computed from the event, a deletion deletes),
so a redelivered or duplicated event changes nothing and no inbox is needed: the gateway has no database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_gateway.edge.api_keys import ApiKeyCache
from nocturna_gateway.edge.deny_list import DenyList


class Revocations:
    """A revoked session or a deleted user is denied until every access token issued before the revocation
    has expired (plus the verification leeway); a deleted user's plan limit is erased; a revoked key leaves
    the API-key cache."""

    def __init__(
        self,
        deny_list: DenyList,
        api_key_cache: ApiKeyCache,
        clock: Callable[[], datetime],
        *,
        erase_plan: Callable[[UUID], Awaitable[None]],
        max_access_token_seconds: int,
        leeway_seconds: int,
    ) -> None:
        self._deny_list = deny_list
        self._erase_plan = erase_plan
        self._api_key_cache = api_key_cache
        self._clock = clock
        self._max_token = timedelta(seconds=max_access_token_seconds)
        self._leeway = timedelta(seconds=leeway_seconds)

    async def session_revoked(
        self, session_id: UUID, revoked_at: datetime, tokens_expire_by: datetime | None
    ) -> None:
        until = (tokens_expire_by or revoked_at + self._max_token) + self._leeway
        if until > self._clock():
            await self._deny_list.deny_session(session_id, until)

    async def user_deleted(self, user_id: UUID, deleted_at: datetime) -> None:
        until = deleted_at + self._max_token + self._leeway
        if until > self._clock():
            await self._deny_list.deny_user(user_id, until)
        await self._erase_plan(user_id)

    async def api_key_revoked(self, prefix: str) -> None:
        await self._api_key_cache.forget(prefix)
