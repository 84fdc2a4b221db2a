"""Cast chart results in Redis as JSON with a TTL. Fails open: any Redis error is a miss (counted), never a 5xx."""

from __future__ import annotations

import json
import logging
from typing import Any

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry, Counter
from redis.exceptions import RedisError

from nocturna_chart.domain.aspects import Aspect, AspectType
from nocturna_chart.domain.engine import Body, EngineInfo, HouseSystem
from nocturna_chart.domain.natal import Angles, BodyPosition, ChartResult, Houses

_logger = logging.getLogger("nocturna.chart.result_cache")


class RedisResultCache:
    def __init__(
        self, redis: aioredis.Redis, prefix: str, ttl_seconds: int, registry: CollectorRegistry | None = None
    ) -> None:
        self._redis, self._prefix, self._ttl = redis, f"{prefix}chart:result:", ttl_seconds
        self._outcomes = Counter(
            "chart_result_cache",
            "Chart result cache lookups and writes by outcome (hit, miss, error).",
            ("outcome",),
            registry=registry,
        )
        self._hit, self._miss, self._error = (self._outcomes.labels(o) for o in ("hit", "miss", "error"))

    async def get(self, key: str) -> ChartResult | None:
        try:
            raw = await self._redis.get(self._prefix + key)
        except (RedisError, OSError) as error:
            self._failed("read", error)
            return None
        if raw is None:
            self._miss.inc()
            return None
        try:
            result = result_from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError) as error:  # an older or damaged entry: recalculate
            self._failed("decode", error)
            return None
        self._hit.inc()
        return result

    async def put(self, key: str, result: ChartResult) -> None:
        try:
            await self._redis.set(self._prefix + key, json.dumps(result_to_json(result)), ex=self._ttl)
        except (RedisError, OSError) as error:
            self._failed("write", error)

    def _failed(self, what: str, error: Exception) -> None:
        self._error.inc()
        _logger.warning("result cache %s failed: %s", what, type(error).__name__)


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
