"""Cast chart results in Redis as JSON with a TTL. Fails open: any Redis error is a miss (counted), never a 5xx."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from nocturna_platform.caching import RedisJsonCache
from prometheus_client import CollectorRegistry

from nocturna_chart.domain.aspects import Aspect, AspectType
from nocturna_chart.domain.engine import Body, EngineInfo, HouseSystem
from nocturna_chart.domain.natal import Angles, BodyPosition, ChartResult, Houses


class RedisResultCache:
    """Results by key in Redis (writes sent behind the answer: see `nocturna_platform.caching`)."""

    def __init__(
        self, redis: aioredis.Redis, prefix: str, ttl_seconds: int, registry: CollectorRegistry | None = None
    ) -> None:
        self._cache = RedisJsonCache(
            redis, f"{prefix}chart:result:", ttl_seconds, metric_name="chart_result_cache", registry=registry
        )

    async def get(self, key: str) -> ChartResult | None:
        data = await self._cache.get(key)
        if data is None:
            return None
        try:
            return result_from_json(data)
        except (ValueError, KeyError, TypeError) as error:  # an older or damaged entry: recalculate
            self._cache.damaged(error)
            return None

    async def put(self, key: str, result: ChartResult) -> None:
        await self._cache.put(key, result_to_json(result))

    async def flush(self) -> None:
        await self._cache.flush()


def result_to_json(result: ChartResult) -> dict[str, Any]:
    houses = result.houses
    return {
        "bodies": {name: list(_body_fields(p)) for name, p in result.bodies.items()},
        "houses": None
        if houses is None
        else {
            "system": houses.system.value,
            "cusps": list(houses.cusps),
            "angles": list(_angle_fields(houses.angles)),
        },
        "aspects": [
            [a.a.value, a.b.value, a.type.value, a.angle, a.orb, a.applying, a.exact] for a in result.aspects
        ],
        "engine": [result.engine.name, result.engine.version],
        "warnings": list(result.warnings),
    }


def result_from_json(data: dict[str, Any]) -> ChartResult:
    houses = data["houses"]
    return ChartResult(
        bodies={name: BodyPosition(*fields) for name, fields in data["bodies"].items()},
        houses=None
        if houses is None
        else Houses(HouseSystem(houses["system"]), tuple(houses["cusps"]), Angles(*houses["angles"])),
        aspects=[
            Aspect(Body(a), Body(b), AspectType(kind), angle, orb, applying, exact)
            for a, b, kind, angle, orb, applying, exact in data["aspects"]
        ],
        engine=EngineInfo(*data["engine"]),
        warnings=list(data["warnings"]),
    )


def _body_fields(p: BodyPosition) -> tuple[object, ...]:
    return (p.longitude, p.latitude, p.speed, p.retrograde, p.sign, p.degree, p.minute, p.house)


def _angle_fields(angles: Angles) -> tuple[float, ...]:
    return (angles.asc, angles.mc, angles.desc, angles.ic, angles.vertex)
