"""In-memory stand-ins for the gateway's Redis and auth adapters (same contract tests as the real ones).

Fakes of the WebSocket ports: a socket driven by the test, a replay buffer in memory, an authenticator.

Fakes of the gateway's ports: they pass the same contract tests as the Redis adapter."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from nocturna_gateway.edge.api_keys import ApiKeyGrant, PresentedApiKey, Refused, Resolution
from nocturna_gateway.edge.introspection import IntrospectionUnavailable
from nocturna_gateway.rate_limiting.decision import Bucket, RateLimitDecision, gcra
from nocturna_gateway.rate_limiting.redis_limiter import RateLimitKeys
from nocturna_gateway.websocket.connection import SocketClosed
from nocturna_gateway.websocket.protocol import UserEvent
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


class FakeTransport:
    """The client side is the test: it queues messages for the server and reads what the server sent.
    With `blocked` set, `send_text` waits like a socket whose peer stopped reading."""

    def __init__(self) -> None:
        self._incoming: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[str] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = asyncio.Event()
        self.unblocked = asyncio.Event()
        self.unblocked.set()
        self.changed = asyncio.Event()

    def client_sends(self, message: dict[str, Any] | str) -> None:
        self._incoming.put_nowait(message if isinstance(message, str) else json.dumps(message))

    def client_disconnects(self) -> None:
        self._incoming.put_nowait(None)

    def frames(self) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self.sent]

    async def receive_text(self) -> str:
        receiving = asyncio.ensure_future(self._incoming.get())
        closing = asyncio.ensure_future(self.closed.wait())
        await asyncio.wait({receiving, closing}, return_when=asyncio.FIRST_COMPLETED)
        closing.cancel()
        if not receiving.done():
            receiving.cancel()
            raise SocketClosed
        text = receiving.result()
        if text is None:
            raise SocketClosed
        return text

    async def send_text(self, text: str) -> None:
        if self.closed.is_set():
            raise SocketClosed
        await self.unblocked.wait()
        self.sent.append(text)
        self.changed.set()

    async def close(self, code: int, reason: str) -> None:
        """Records the attempt at once; a blocked socket cannot send the close frame either."""
        self.close_code, self.close_reason = code, reason
        await self.unblocked.wait()
        self.closed.set()
        self.changed.set()

    async def wait_for_frames(self, count: int, timeout: float = 2.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.sent) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.frames()


class InMemoryReplayBuffer:
    def __init__(self, max_events: int = 100) -> None:
        self._events: defaultdict[UUID, list[UserEvent]] = defaultdict(list)
        self._max_events = max_events
        self.available = True

    async def append(self, event: UserEvent) -> None:
        self._check()
        events = self._events[event.user_id]
        if any(kept.event_id == event.event_id for kept in events):
            return
        events.append(event)
        del events[: -self._max_events]

    async def since(self, user_id: UUID, last_event_id: UUID) -> Sequence[UserEvent]:
        self._check()
        events = self._events.get(user_id, [])
        ids = [event.event_id for event in events]
        return list(events[ids.index(last_event_id) + 1 :] if last_event_id in ids else events)

    async def forget(self, user_id: UUID) -> None:
        self._check()
        self._events.pop(user_id, None)

    def _check(self) -> None:
        if not self.available:
            raise ConnectionError("redis down")


def principal(
    user_id: UUID | None = None, session_id: UUID | None = None, expires_in: timedelta = timedelta(minutes=15)
) -> Principal:
    return Principal(
        subject=user_id or uuid4(),
        session_id=session_id or uuid4(),
        roles=frozenset({"user"}),
        scopes=frozenset(),
        token_id=uuid4().hex,
        expires_at=datetime.now(UTC) + expires_in,
    )


class AuthUnreachable(Exception):
    close_code = 1013  # as the edge authenticator's refusal when auth cannot be asked


class FakeAuthenticator:
    """Knows the tokens it was told about; `unreachable` makes every check fail as with auth down."""

    def __init__(self) -> None:
        self.principals: dict[str, Principal] = {}
        self.unreachable = False

    def token_for(self, who: Principal) -> str:
        token = f"token-{uuid4().hex}"
        self.principals[token] = who
        return token

    async def authenticate_credential(self, token: str) -> Principal:
        if self.unreachable:
            raise AuthUnreachable("auth is down")
        try:
            return self.principals[token]
        except KeyError:
            raise PermissionError("unknown token") from None


class InMemoryRateLimiter:
    def __init__(self, keys: RateLimitKeys) -> None:
        self._keys = keys
        self.buckets: dict[str, Bucket] = {}
        self.plans: dict[str, tuple[int, int]] = {}
        self.erased_plans: set[str] = set()

    async def check(
        self, bucket: str, plan_key: str | None, default_limit: int, now_ms: int
    ) -> RateLimitDecision:
        limit = default_limit
        if plan_key is not None and plan_key in self.plans:
            limit = self.plans[plan_key][0]
        decision, updated = gcra(self.buckets.get(bucket), now_ms, limit)
        if updated is not None:
            self.buckets[bucket] = updated
        return decision

    async def set_plan_limit(self, user: UUID, limit: int, version: int) -> bool:
        key = self._keys.plan(user)
        known = self.plans.get(key)
        if key in self.erased_plans or (known is not None and known[1] >= version):
            return False
        self.plans[key] = (limit, version)
        return True

    async def erase_plan(self, user: UUID) -> None:
        key = self._keys.plan(user)
        self.plans.pop(key, None)
        self.erased_plans.add(key)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
