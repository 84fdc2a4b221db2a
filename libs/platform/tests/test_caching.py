"""The JSON answer cache: Redis behind an optional in-process LRU, writes sent behind the answers in one
pipeline, failing open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from nocturna_platform import caching
from nocturna_platform.caching import LocalLru, RedisJsonCache
from prometheus_client import CollectorRegistry

TTL = 600


@pytest.fixture
async def redis(test_env: dict[str, str]) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(test_env["REDIS_URL"])
    yield client
    await client.aclose()


@pytest.fixture
def prefix(test_env: dict[str, str], request: pytest.FixtureRequest) -> str:
    return f"{test_env['REDIS_KEY_PREFIX']}caching:{request.node.name}:"


def _outcomes(registry: CollectorRegistry) -> dict[str, float]:
    return {
        outcome: registry.get_sample_value("probe_cache_total", {"outcome": outcome}) or 0.0
        for outcome in ("hit", "miss", "error", "dropped")
    }


def _cache(redis: aioredis.Redis, prefix: str, registry: CollectorRegistry, **kwargs: Any) -> RedisJsonCache:
    return RedisJsonCache(redis, prefix, TTL, metric_name="probe_cache", registry=registry, **kwargs)


async def test_a_put_is_sent_behind_the_answer_and_got_back_from_redis(
    redis: aioredis.Redis, prefix: str
) -> None:
    registry = CollectorRegistry()
    cache = _cache(redis, prefix, registry)

    put = asyncio.ensure_future(cache.put("a", {"zone": "Europe/Oslo", "n": [1, 2]}))
    await asyncio.sleep(0)
    assert put.done()  # queued in one step: the answer never waits for Redis
    await cache.flush()

    assert 0 < await redis.ttl(f"{prefix}a") <= TTL
    assert await cache.get("a") == {"zone": "Europe/Oslo", "n": [1, 2]}
    assert await cache.get("never-put") is None
    assert _outcomes(registry) == {"hit": 1.0, "miss": 1.0, "error": 0.0, "dropped": 0.0}


async def test_the_writes_of_one_turn_go_in_one_pipeline(
    redis: aioredis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = _cache(redis, prefix, CollectorRegistry())
    pipelines = 0
    original = redis.pipeline

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal pipelines
        pipelines += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(redis, "pipeline", counted)

    await asyncio.gather(*(cache.put(f"k{n}", n) for n in range(50)))
    await cache.flush()

    assert pipelines == 1
    assert [int(v) for v in await redis.mget([f"{prefix}k{n}" for n in range(50)])] == list(range(50))


async def test_local_hits_never_reach_redis(redis: aioredis.Redis, prefix: str) -> None:
    registry = CollectorRegistry()
    cache = _cache(redis, prefix, registry, local_entries=2)
    await cache.put("a", "alpha")
    await cache.flush()
    await redis.delete(f"{prefix}a")  # only the process's copy is left

    assert await cache.get("a") == "alpha"
    assert _outcomes(registry)["hit"] == 1.0


async def test_a_value_read_from_redis_is_kept_locally(redis: aioredis.Redis, prefix: str) -> None:
    await redis.set(f"{prefix}shared", '"from another replica"')
    cache = _cache(redis, prefix, CollectorRegistry(), local_entries=2)

    assert await cache.get("shared") == "from another replica"
    await redis.delete(f"{prefix}shared")
    assert await cache.get("shared") == "from another replica"


async def test_a_damaged_entry_is_a_counted_miss(redis: aioredis.Redis, prefix: str) -> None:
    registry = CollectorRegistry()
    await redis.set(f"{prefix}bad", b"{not json")
    cache = _cache(redis, prefix, registry)

    assert await cache.get("bad") is None
    cache.damaged(KeyError("shape"))
    assert _outcomes(registry)["error"] == 2.0


async def test_redis_down_reads_as_a_miss_and_writes_fail_quietly() -> None:
    registry = CollectorRegistry()
    down = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    cache = _cache(down, "x:", registry)

    assert await cache.get("a") is None
    await cache.put("a", 1)
    await cache.flush()

    assert _outcomes(registry) == {"hit": 0.0, "miss": 0.0, "error": 2.0, "dropped": 0.0}
    await down.aclose()


async def test_writes_beyond_the_queue_bound_are_dropped_and_counted(
    redis: aioredis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(caching, "MAX_PENDING_WRITES", 3)
    registry = CollectorRegistry()
    cache = _cache(redis, prefix, registry)

    for n in range(5):
        await cache.put(f"k{n}", n)
    await cache.flush()

    assert _outcomes(registry)["dropped"] == 2.0
    assert await redis.exists(*(f"{prefix}k{n}" for n in range(5))) == 3


def test_the_local_lru_evicts_the_least_recently_used_and_expires_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = 1000.0
    monkeypatch.setattr(caching.time, "monotonic", lambda: now)
    lru = LocalLru(entries=2, ttl_seconds=10)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # a is now the most recently used
    lru.put("c", 3)

    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)
    now += 10
    assert lru.get("a") is None
    assert len(lru) == 1
