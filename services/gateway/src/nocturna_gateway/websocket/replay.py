"""The per-user replay buffer a reconnecting client resumes from (bounded by count and by age).

Every gateway replica receives every event, so every replica writes it: the write is idempotent (the event id
is remembered next to the stream), and the first writer's position is the event's only position.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

import redis.asyncio as aioredis

from nocturna_gateway.websocket.protocol import UserEvent


class ReplayBuffer(Protocol):
    async def append(self, event: UserEvent) -> None:
        """Keep the event for its user; appending the same event id again changes nothing."""
        ...

    async def since(self, user_id: UUID, last_event_id: UUID) -> Sequence[UserEvent]:
        """The user's buffered events after `last_event_id`, oldest first; every buffered one when that id
        is unknown (older than the buffer, or not the user's)."""
        ...

    async def forget(self, user_id: UUID) -> None:
        """Drop the user's buffer (the account was deleted)."""
        ...


# KEYS: stream, seen-marker of the event. ARGV: event id, frame, max events, max age (ms), ttl (s).
_APPEND = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], '*', 'id', ARGV[1], 'frame', ARGV[2])
redis.call('XTRIM', KEYS[1], 'MINID', tostring(now_ms - tonumber(ARGV[4])))
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], id, 'EX', ARGV[5])
return 1
"""

# KEYS: stream, seen-marker of the last event the client has. ARGV: max age (ms).
_SINCE = """
local seen = redis.call('GET', KEYS[2])
if seen then return redis.call('XRANGE', KEYS[1], '(' .. seen, '+') end
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
return redis.call('XRANGE', KEYS[1], tostring(now_ms - tonumber(ARGV[1])), '+')
"""


class RedisReplayBuffer:
    """A capped Redis stream per user (`MAXLEN`, `MINID` trimming, TTL) plus one marker key per event id
    holding its stream position; both scripts run atomically, keys share the user's hash tag."""

    def __init__(
        self, redis: aioredis.Redis, key_prefix: str, *, max_events: int, max_age_seconds: int
    ) -> None:
        self._prefix = key_prefix
        self._max_events = max_events
        self._max_age_seconds = max_age_seconds
        self._append = redis.register_script(_APPEND)
        self._since = redis.register_script(_SINCE)
        self._redis = redis

    def _stream(self, user_id: UUID) -> str:
        return f"{self._prefix}ws:{{{user_id}}}:events"

    def _marker(self, user_id: UUID, event_id: UUID) -> str:
        return f"{self._prefix}ws:{{{user_id}}}:seen:{event_id}"

    async def append(self, event: UserEvent) -> None:
        if self._max_events == 0:
            return
        await self._append(
            keys=[self._stream(event.user_id), self._marker(event.user_id, event.event_id)],
            args=[
                str(event.event_id),
                event.frame,
                self._max_events,
                self._max_age_seconds * 1000,
                self._max_age_seconds,
            ],
        )

    async def since(self, user_id: UUID, last_event_id: UUID) -> Sequence[UserEvent]:
        keys = [self._stream(user_id), self._marker(user_id, last_event_id)]
        entries = await self._since(keys=keys, args=[self._max_age_seconds * 1000])
        events = []
        for _, fields in entries:
            values = dict(zip(fields[::2], fields[1::2], strict=True))
            events.append(UserEvent(user_id, UUID(values[b"id"].decode()), values[b"frame"].decode()))
        return events

    async def forget(self, user_id: UUID) -> None:
        await self._redis.delete(self._stream(user_id))
