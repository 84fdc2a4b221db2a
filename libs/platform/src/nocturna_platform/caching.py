"""A JSON answer cache in Redis, optionally fronted by an in-process LRU. An optimisation only: it fails open
(any Redis error reads as a miss and is counted), and its writes never delay an answer.

Writes are write-behind: `put` queues the entry and returns; the entries queued during one turn of the event
loop go to Redis in one pipeline. A redis-py command costs ~90 µs of CPU, a pipelined SET ~20 µs (measured),
which is most of what caching an answer costs. An entry still queued at a crash is lost, as a cache may lose it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from typing import Any

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, Counter
from redis.exceptions import RedisError

_logger = logging.getLogger("nocturna.cache")

MAX_PENDING_WRITES = 10_000
"""Beyond this many queued writes (Redis slower than the traffic), new ones are dropped, not buffered."""


class LocalLru:
    """At most `entries` decoded values, each for `ttl_seconds`, the least recently used evicted first."""

    def __init__(self, entries: int, ttl_seconds: float) -> None:
        self._entries = entries
        self._ttl = ttl_seconds
        self._values: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str) -> Any | None:
        found = self._values.get(key)
        if found is None:
            return None
        expires, value = found
        if expires <= time.monotonic():
            del self._values[key]
            return None
        self._values.move_to_end(key)
        return value

    def put(self, key: str, value: Any) -> None:
        self._values[key] = (time.monotonic() + self._ttl, value)
        self._values.move_to_end(key)
        while len(self._values) > self._entries:
            self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)


class RedisJsonCache:
    """JSON-shaped values by key under `prefix`, for `ttl_seconds`; `local_entries` > 0 keeps that many
    decoded values in process too (hits there never reach Redis). Values handed out must not be mutated."""

    def __init__(
        self,
        redis: aioredis.Redis,
        prefix: str,
        ttl_seconds: int,
        *,
        local_entries: int = 0,
        metric_name: str,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self._redis, self._prefix, self._ttl = redis, prefix, ttl_seconds
        self._local = LocalLru(local_entries, ttl_seconds) if local_entries > 0 else None
        self._pending: dict[str, str] = {}
        self._flushing: asyncio.Task[None] | None = None
        outcomes = Counter(
            metric_name,
            "Cache lookups and writes by outcome (hit, miss, error, dropped).",
            ("outcome",),
            registry=registry,
        )
        self._hit, self._miss, self._error, self._dropped = (
            outcomes.labels(outcome) for outcome in ("hit", "miss", "error", "dropped")
        )

    async def get(self, key: str) -> Any | None:
        if self._local is not None and (value := self._local.get(key)) is not None:
            self._hit.inc()
            return value
        try:
            raw = await self._redis.get(self._prefix + key)
        except (RedisError, OSError) as error:
            self._failed("read", error)
            return None
        if raw is None:
            self._miss.inc()
            return None
        try:
            value = json.loads(raw)
        except ValueError as error:  # a damaged entry: the caller recomputes it
            self._failed("decode", error)
            return None
        self._hit.inc()
        if self._local is not None:
            self._local.put(key, value)
        return value

    async def put(self, key: str, value: Any) -> None:
        """Queue the write (sent with this turn's others) and return at once."""
        if self._local is not None:
            self._local.put(key, value)
        if len(self._pending) >= MAX_PENDING_WRITES:
            self._dropped.inc()
            return
        self._pending[self._prefix + key] = json.dumps(value)
        if self._flushing is None:
            self._flushing = asyncio.get_running_loop().create_task(self._flush())

    async def flush(self) -> None:
        """Wait until the queued writes are sent (or failed): for shutdown and tests."""
        while self._flushing is not None:
            await asyncio.shield(self._flushing)

    async def _flush(self) -> None:
        try:
            await asyncio.sleep(0)  # the writes of this turn's other requests join the pipeline
            while self._pending:
                batch, self._pending = self._pending, {}
                pipeline = self._redis.pipeline(transaction=False)
                for key, data in batch.items():
                    pipeline.set(key, data, ex=self._ttl)
                try:
                    await pipeline.execute()
                except (RedisError, OSError) as error:
                    self._failed("write", error)
        finally:
            self._flushing = None

    def damaged(self, error: Exception) -> None:
        """The caller could not use a value it got (an older or damaged shape): counted as an error."""
        self._failed("decode", error)

    def _failed(self, what: str, error: Exception) -> None:
        self._error.inc()
        _logger.warning("cache %s failed: %s", what, type(error).__name__)
