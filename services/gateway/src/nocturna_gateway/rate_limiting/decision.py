"""What a rate-limit check answers, and the GCRA arithmetic behind it (also run by Redis, in Lua)."""

from __future__ import annotations

import math
from dataclasses import dataclass

PERIOD_MS = 60_000
"""Limits are per minute."""


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_ms: int
    """Until the whole quota is available again."""
    retry_after_ms: int
    """Until the next request would be allowed (0 when allowed)."""

    @property
    def reset_seconds(self) -> int:
        return math.ceil(self.reset_ms / 1000)

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after_ms / 1000))


@dataclass(frozen=True)
class Bucket:
    """GCRA state: the theoretical arrival time of the next request, and the limit it was computed with."""

    tat_ms: int
    limit: int


def gcra(bucket: Bucket | None, now_ms: int, limit: int) -> tuple[RateLimitDecision, Bucket | None]:
    """One request against `bucket`: `limit` requests per minute, all of which may come at once. Returns the
    decision and the new bucket (None: leave it as it is). When the limit changed (a new plan), the requests
    already counted stay counted: the backlog is rescaled to the new rate.

    The same steps as `GCRA_SCRIPT`, step for step; the in-memory limiter and the unit tests use this one.
    """
    if limit <= 0:
        return RateLimitDecision(False, 0, 0, PERIOD_MS, PERIOD_MS), None
    interval = PERIOD_MS / limit
    tat: float = now_ms
    if bucket is not None and bucket.tat_ms > now_ms:
        tat = now_ms + (bucket.tat_ms - now_ms) * bucket.limit / limit
    new_tat = tat + interval
    allow_at = new_tat - PERIOD_MS
    if now_ms < allow_at:
        return RateLimitDecision(False, limit, 0, math.ceil(tat - now_ms), math.ceil(allow_at - now_ms)), None
    remaining = min(math.floor((now_ms - allow_at) / interval), limit - 1)
    stored = math.ceil(new_tat)
    return RateLimitDecision(True, limit, remaining, stored - now_ms, 0), Bucket(stored, limit)
