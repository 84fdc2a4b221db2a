"""The Redis result cache: the same answers as the in-memory fake, a TTL, and failing open when Redis is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from uuid import UUID

import pytest
import redis.asyncio as aioredis
from nocturna_chart.application.calculator import ChartCalculator, ChartResultCache
from nocturna_chart.domain.birth import BirthData
from nocturna_chart.domain.charts import Chart, ChartOptions
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.infrastructure.redis_result_cache import RedisResultCache
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine
from prometheus_client import CollectorRegistry

from services.chart.tests.fakes import CountingEngine, InMemoryResultCache

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TTL = 600


def _chart(day: int = 15) -> Chart:
    birth = BirthData(date(1990, 1, day), time(14, 30), 40.7128, -74.006, "America/New_York")
    return Chart(UUID(int=1), UUID(int=2), "c", None, birth, HouseSystem.PLACIDUS, ChartOptions(), NOW, NOW)


@pytest.fixture
async def redis(test_env: dict[str, str]) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(test_env["REDIS_URL"])
    yield client
    await client.aclose()


def _outcomes(registry: CollectorRegistry) -> dict[str, float]:
    return {
        outcome: registry.get_sample_value("chart_result_cache_total", {"outcome": outcome}) or 0.0
        for outcome in ("hit", "miss", "error")
    }


@pytest.mark.parametrize("kind", ["redis", "in_memory"])
async def test_a_result_put_is_got_back_equal_and_an_unknown_key_is_a_miss(
    kind: str, redis: aioredis.Redis, test_env: dict[str, str]
) -> None:
    cache: ChartResultCache = (
        RedisResultCache(redis, test_env["REDIS_KEY_PREFIX"], TTL, CollectorRegistry())
        if kind == "redis"
        else InMemoryResultCache()
    )
    result = (await ChartCalculator(SwissEphemerisEngine()).cast(_chart())).result

    await cache.put("contract-key", result)
    if isinstance(cache, RedisResultCache):
        await cache.flush()  # writes are sent behind the answer

    assert await cache.get("contract-key") == result
    assert await cache.get("never-put") is None


async def test_hits_and_misses_are_counted_and_entries_expire(
    redis: aioredis.Redis, test_env: dict[str, str]
) -> None:
    registry, engine = CollectorRegistry(), CountingEngine()
    prefix = test_env["REDIS_KEY_PREFIX"] + "hits:"
    cache = RedisResultCache(redis, prefix, TTL, registry)
    calculator = ChartCalculator(engine, HouseSystem.PORPHYRY, cache)

    first = await calculator.cast(_chart(16))
    await cache.flush()
    calls = engine.calls
    second = await calculator.cast(_chart(16))

    assert second == first
    assert engine.calls == calls
    assert _outcomes(registry) == {"hit": 1.0, "miss": 1.0, "error": 0.0}
    keys = [key async for key in redis.scan_iter(match=f"{prefix}chart:result:*")]
    assert len(keys) == 1
    assert 0 < await redis.ttl(keys[0]) <= TTL


async def test_a_damaged_entry_is_recalculated(redis: aioredis.Redis, test_env: dict[str, str]) -> None:
    registry = CollectorRegistry()
    prefix = test_env["REDIS_KEY_PREFIX"] + "damaged:"
    cache = RedisResultCache(redis, prefix, TTL, registry)
    calculator = ChartCalculator(SwissEphemerisEngine(), HouseSystem.PORPHYRY, cache)
    expected = await calculator.cast(_chart(17))
    await cache.flush()
    async for key in redis.scan_iter(match=f"{prefix}chart:result:*"):
        await redis.set(key, b"{not json")

    assert await calculator.cast(_chart(17)) == expected
    assert _outcomes(registry)["error"] == 1.0


async def test_a_redis_outage_never_fails_a_calculation_and_is_counted() -> None:
    registry = CollectorRegistry()
    down = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    cache = RedisResultCache(down, "x:", TTL, registry)
    calculator = ChartCalculator(SwissEphemerisEngine(), HouseSystem.PORPHYRY, cache)

    cast = await calculator.cast(_chart())
    await cache.flush()

    assert cast.result.bodies["sun"].sign == "capricorn"
    assert _outcomes(registry) == {"hit": 0.0, "miss": 0.0, "error": 2.0}  # the read and the write
    await down.aclose()
