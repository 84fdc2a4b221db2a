"""In-memory stand-ins for the gateway's Redis and auth adapters (same contract tests as the real ones)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from nocturna_gateway.edge.api_keys import ApiKeyGrant, PresentedApiKey, Refused, Resolution
from nocturna_gateway.edge.introspection import IntrospectionUnavailable
from nocturna_platform.security.principal import Principal
from redis.exceptions import ConnectionError as RedisConnectionError


@dataclass
class SettableClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class InMemoryDenyList:
    """`unavailable` makes checks fail like Redis down."""

    def __init__(self, clock: SettableClock) -> None:
        self._clock = clock
        self.sessions: dict[UUID, datetime] = {}
        self.users: dict[UUID, datetime] = {}
        self.unavailable = False

    async def deny_session(self, session_id: UUID, until: datetime) -> None:
        self.sessions[session_id] = until

    async def deny_user(self, user_id: UUID, until: datetime) -> None:
        self.users[user_id] = until

    async def denies(self, principal: Principal) -> bool:
        if self.unavailable:
            raise RedisConnectionError("Redis unreachable")
        now = self._clock()
        if self.users.get(principal.subject, now) > now:
            return True
        return principal.session_id is not None and self.sessions.get(principal.session_id, now) > now


class InMemoryApiKeyCache:
    def __init__(
        self, clock: SettableClock, *, grant_seconds: float, refusal_seconds: float, tombstone_seconds: float
    ) -> None:
        self._clock = clock
        self._grant = timedelta(seconds=grant_seconds)
        self._refusal = timedelta(seconds=refusal_seconds)
        self._tombstone = timedelta(seconds=tombstone_seconds)
        self.grants: dict[str, tuple[str, ApiKeyGrant, datetime]] = {}
        self.refusals: dict[str, datetime] = {}
        self.tombstones: dict[str, datetime] = {}

    async def get(self, key: PresentedApiKey) -> Resolution | None:
        now = self._clock()
        if self.refusals.get(key.digest, now) > now:
            return Refused()
        if self.tombstones.get(key.prefix, now) > now:
            return None
        entry = self.grants.get(key.prefix)
        if entry is None or entry[2] <= now or entry[0] != key.digest:
            return None
        return entry[1]

    async def put(self, key: PresentedApiKey, resolution: Resolution) -> None:
        now = self._clock()
        if isinstance(resolution, Refused):
            self.refusals[key.digest] = now + self._refusal
        else:
            self.grants[key.prefix] = (key.digest, resolution, now + self._grant)

    async def forget(self, prefix: str) -> None:
        self.tombstones[prefix] = self._clock() + self._tombstone
        self.grants.pop(prefix, None)


class FakeApiKeyIntrospection:
    """Auth's introspection answering from `keys`; `unavailable` makes it fail like an unreachable auth."""

    def __init__(self) -> None:
        self.keys: dict[str, ApiKeyGrant] = {}
        self.asked: list[str] = []
        self.unavailable = False

    async def introspect(self, raw_key: str) -> ApiKeyGrant | None:
        self.asked.append(raw_key)
        if self.unavailable:
            raise IntrospectionUnavailable("auth unreachable")
        return self.keys.get(raw_key)
