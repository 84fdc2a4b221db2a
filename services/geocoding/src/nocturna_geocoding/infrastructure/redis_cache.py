"""Answers cached in Redis as JSON; an optimisation only: any Redis error reads as a miss and skips the write."""

from __future__ import annotations

import json
import logging
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

_logger = logging.getLogger("nocturna.geocoding.cache")


class RedisAnswerCache:
    def __init__(self, redis: aioredis.Redis, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = f"{prefix}geocoding:"
        self._ttl = ttl_seconds

    async def get(self, key: str) -> Any | None:
        try:
            raw = await self._redis.get(self._prefix + key)
        except (RedisError, OSError) as error:
            _logger.warning("cache read failed: %s", type(error).__name__)
            return None
        return None if raw is None else json.loads(raw)

    async def put(self, key: str, value: Any) -> None:
        try:
            await self._redis.set(self._prefix + key, json.dumps(value), ex=self._ttl)
        except (RedisError, OSError) as error:
            _logger.warning("cache write failed: %s", type(error).__name__)
