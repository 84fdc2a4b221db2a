"""Rate limits kept in Redis: one script call per request reads the user's plan limit and updates the bucket."""

from __future__ import annotations

from uuid import UUID

import redis.asyncio as aioredis
from opentelemetry.instrumentation.utils import suppress_instrumentation

from nocturna_gateway.rate_limiting.decision import PERIOD_MS, RateLimitDecision

GCRA_SCRIPT = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if KEYS[2] then
  local planned = redis.call('HGET', KEYS[2], 'limit')
  if planned then limit = tonumber(planned) end
end
local period = tonumber(ARGV[3])
if limit <= 0 then return {0, 0, 0, period, period} end
local interval = period / limit
local tat = now
local state = redis.call('HMGET', KEYS[1], 'tat', 'limit')
if state[1] then
  local stored_tat = tonumber(state[1])
  if stored_tat > now then tat = now + (stored_tat - now) * tonumber(state[2]) / limit end
end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, limit, 0, math.ceil(tat - now), math.ceil(allow_at - now)}
end
local remaining = math.min(math.floor((now - allow_at) / interval), limit - 1)
local stored = math.ceil(new_tat)
redis.call('HSET', KEYS[1], 'tat', stored, 'limit', limit)
redis.call('PEXPIRE', KEYS[1], stored - now)
return {1, limit, remaining, stored - now, 0}
"""

PROJECT_PLAN_SCRIPT = """
if redis.call('HEXISTS', KEYS[1], 'erased') == 1 then return 0 end
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if tonumber(ARGV[2]) <= current then return 0 end
redis.call('HSET', KEYS[1], 'limit', ARGV[1], 'version', ARGV[2])
return 1
"""


ERASE_PLAN_SCRIPT = """
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'erased', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""
ERASED_PLAN_KEEP_SECONDS = 30 * 24 * 3600
"""How long a deleted user's plan stays erased: subscription announces the closed account's canceled
subscription in reply to the same deletion, and a replay from a dead-letter queue may come days later."""


class RateLimitKeys:
    """Key names: the user's id as hash tag puts a user's plan and buckets in one cluster slot."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix + "ratelimit:"

    def plan(self, user: UUID) -> str:
        return f"{self._prefix}{{{user}}}:plan"

    def user(self, user: UUID) -> str:
        return f"{self._prefix}{{{user}}}:user"

    def api_key(self, user: UUID, token_id: str) -> str:
        return f"{self._prefix}{{{user}}}:key:{token_id}"

    def address(self, ip: str) -> str:
        return f"{self._prefix}ip:{ip}"


class RedisRateLimiter:
    """GCRA buckets and the plan-limit projection in Redis. Errors propagate: the caller decides to fail open."""

    def __init__(self, redis: aioredis.Redis, keys: RateLimitKeys) -> None:
        self._keys = keys
        self._gcra = redis.register_script(GCRA_SCRIPT)
        self._project = redis.register_script(PROJECT_PLAN_SCRIPT)
        self._erase = redis.register_script(ERASE_PLAN_SCRIPT)

    async def check(
        self, bucket: str, plan_key: str | None, default_limit: int, now_ms: int
    ) -> RateLimitDecision:
        keys = [bucket, plan_key] if plan_key else [bucket]
        # No client span: this runs on every request (a span costs a third of the call's CPU); its time is
        # in the request's span, and its failures are logged and counted.
        with suppress_instrumentation():
            allowed, limit, remaining, reset_ms, retry_after_ms = await self._gcra(
                keys=keys, args=[now_ms, default_limit, PERIOD_MS]
            )
        return RateLimitDecision(
            bool(allowed), int(limit), int(remaining), int(reset_ms), int(retry_after_ms)
        )

    async def set_plan_limit(self, user: UUID, limit: int, version: int) -> bool:
        """Record the user's limit unless a newer version is already known; True when recorded."""
        return bool(await self._project(keys=[self._keys.plan(user)], args=[limit, version]))

    async def erase_plan(self, user: UUID) -> None:
        """A deleted user's plan: forgotten, and no later plan event brings it back (for 30 days)."""
        await self._erase(keys=[self._keys.plan(user)], args=[ERASED_PLAN_KEEP_SECONDS * 1000])
