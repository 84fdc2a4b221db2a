"""Casting charts with the configured engine, through the result cache: identical inputs calculate once."""

from __future__ import annotations

import hashlib
import json
from typing import Protocol

from nocturna_chart.domain.aspects import AspectPolicy
from nocturna_chart.domain.charts import CastChart, Chart, cast_of, natal_request
from nocturna_chart.domain.engine import CalculationEngine, HouseSystem
from nocturna_chart.domain.natal import ChartRequest, ChartResult, calculate_chart

# Bump when the cached shape or the derivation (aspects, south node, fallback rules) changes.
CACHE_KEY_VERSION = 1
COORDINATE_DECIMALS = 6  # 0.11 m: cusps move by less than 0.01″ below that


class ChartResultCache(Protocol):
    """Chart results by input key. An optimisation only: an outage reads as a miss and never fails a request."""

    async def get(self, key: str) -> ChartResult | None: ...

    async def put(self, key: str, result: ChartResult) -> None: ...


class NoResultCache:
    async def get(self, key: str) -> ChartResult | None:
        return None

    async def put(self, key: str, result: ChartResult) -> None:
        return None


def result_key(request: ChartRequest, policy: AspectPolicy, engine: CalculationEngine) -> str:
    """Normalised inputs: instant, coordinates rounded to 6 decimals, systems, orbs, engine and its version."""
    inputs = {
        "v": CACHE_KEY_VERSION,
        "jd": repr(request.jd_ut),
        "lat": round(request.latitude, COORDINATE_DECIMALS),
        "lon": round(request.longitude, COORDINATE_DECIMALS),
        "system": request.house_system.value if request.with_houses else None,
        "fallback": request.polar_fallback.value,
        "orbs": sorted((kind.value, orb) for kind, orb in policy.orbs.items()),
        "exact": policy.exact_orb,
        "engine": [engine.info.name, engine.info.version, [body.value for body in engine.bodies]],
    }
    digest = hashlib.sha256(json.dumps(inputs, separators=(",", ":")).encode()).hexdigest()
    return f"v{CACHE_KEY_VERSION}:{digest}"


class ChartCalculator:
    """The engine, the polar fallback system and the result cache that every chart use case casts with."""

    def __init__(
        self,
        engine: CalculationEngine,
        polar_fallback: HouseSystem = HouseSystem.PORPHYRY,
        cache: ChartResultCache | None = None,
    ) -> None:
        self.engine, self.polar_fallback = engine, polar_fallback
        self._cache: ChartResultCache = cache or NoResultCache()

    async def calculate(self, request: ChartRequest, policy: AspectPolicy) -> ChartResult:
        key = result_key(request, policy, self.engine)
        cached = await self._cache.get(key)
        if cached is not None:
            return cached
        result = await calculate_chart(self.engine, request, policy)
        await self._cache.put(key, result)
        return result

    async def cast(self, chart: Chart) -> CastChart:
        instant, request = natal_request(chart, self.polar_fallback)
        return cast_of(chart, instant, await self.calculate(request, chart.options.policy()))

    async def cast_new(self, chart: Chart) -> CastChart:
        """Cast a chart being created: its inputs are almost never cached, so calculate without the lookup
        (a Redis round trip spent on a miss) and store the result for the reads that follow."""
        instant, request = natal_request(chart, self.polar_fallback)
        policy = chart.options.policy()
        result = await calculate_chart(self.engine, request, policy)
        await self._cache.put(result_key(request, policy, self.engine), result)
        return cast_of(chart, instant, result)
