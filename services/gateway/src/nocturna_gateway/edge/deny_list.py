"""Sessions and users whose still-unexpired access tokens must be refused (fed by auth's events)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Protocol
from uuid import UUID

import redis.asyncio as aioredis
from nocturna_platform.security.principal import Principal
from opentelemetry.instrumentation.utils import suppress_instrumentation


class DenyList(Protocol):
    """Entries end by themselves at an absolute time (when the tokens they void have expired anyway), so
    writing the same entry twice has no further effect."""

    async def deny_session(self, session_id: UUID, until: datetime) -> None: ...

    async def deny_user(self, user_id: UUID, until: datetime) -> None: ...

    async def denies(self, principal: Principal) -> bool:
        """True when the principal's session or subject is deny-listed."""
        ...


class RedisDenyList:
    """One `EXISTS` of one or two keys per check: a single round trip, the only one an authenticated request
    costs (verified tokens are kept in memory)."""

    def __init__(self, redis: aioredis.Redis, key_prefix: str) -> None:
        self._redis = redis
        self._sessions = f"{key_prefix}gateway:deny:sid:"
        self._users = f"{key_prefix}gateway:deny:user:"

    async def deny_session(self, session_id: UUID, until: datetime) -> None:
        await self._deny(f"{self._sessions}{session_id}", until)

    async def deny_user(self, user_id: UUID, until: datetime) -> None:
        await self._deny(f"{self._users}{user_id}", until)

    async def denies(self, principal: Principal) -> bool:
        keys = [f"{self._users}{principal.subject}"]
        if principal.session_id is not None:
            keys.append(f"{self._sessions}{principal.session_id}")
        # Untraced: a span per request for one key lookup cost about a third of the check's CPU; refusals
        # and Redis failures are counted instead (`gateway_edge_auth_*`).
        with suppress_instrumentation():
            return bool(await self._redis.exists(*keys))

    async def _deny(self, key: str, until: datetime) -> None:
        # EXAT: an absolute end, so a redelivered event never extends the entry.
        await self._redis.set(key, b"1", exat=math.ceil(until.timestamp()))


class RecentlyCleared:
    """Principals the deny-list cleared less than `seconds` ago, remembered in this process: a busy client
    costs one deny-list lookup per interval instead of one per request, and a revocation takes effect at most
    `seconds` later. With `seconds == 0` every request is checked. Bounded: when full, the oldest goes."""

    def __init__(self, seconds: float, capacity: int) -> None:
        self._seconds = seconds
        self._capacity = capacity
        self._until: dict[tuple[UUID, UUID | None], float] = {}

    def covers(self, principal: Principal, now: float) -> bool:
        until = self._until.get((principal.subject, principal.session_id))
        return until is not None and now < until

    def remember(self, principal: Principal, now: float) -> None:
        if self._seconds <= 0 or self._capacity == 0:
            return
        key = (principal.subject, principal.session_id)
        if self._until.pop(key, None) is None and len(self._until) >= self._capacity:
            del self._until[next(iter(self._until))]
        self._until[key] = now + self._seconds
