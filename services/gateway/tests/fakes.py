"""Fakes of the gateway's ports: they pass the same contract tests as the Redis adapter."""

from __future__ import annotations

from uuid import UUID

from nocturna_gateway.rate_limiting.decision import Bucket, RateLimitDecision, gcra
from nocturna_gateway.rate_limiting.redis_limiter import RateLimitKeys


class InMemoryRateLimiter:
    def __init__(self, keys: RateLimitKeys) -> None:
        self._keys = keys
        self.buckets: dict[str, Bucket] = {}
        self.plans: dict[str, tuple[int, int]] = {}

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
        if known is not None and known[1] >= version:
            return False
        self.plans[key] = (limit, version)
        return True


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
