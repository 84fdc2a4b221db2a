"""Benchmark: one full natal chart in-process (tz resolution, positions, houses, aspects); target median ≤ 0.5 ms.

Run: `.venv/bin/python services/chart/bench.py` or call `natal_chart_benchmark()`.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from uuid import UUID

from nocturna_chart.domain.birth import BirthData
from nocturna_chart.domain.charts import Chart, ChartOptions, cast
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine

ZONES = ("America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "UTC")


def _charts(count: int, seed: int = 7) -> list[Chart]:
    rng = random.Random(seed)  # noqa: S311 - reproducible inputs, not secrets
    now = datetime(2026, 1, 1, tzinfo=UTC)
    charts = []
    for _ in range(count):
        day = date(1900, 1, 1) + timedelta(days=rng.randrange(365 * 125))
        birth = BirthData(
            day,
            clock_time(rng.randrange(24), rng.randrange(60)),
            rng.uniform(-60.0, 60.0),
            rng.uniform(-180.0, 180.0),
            rng.choice(ZONES),
            fold=0,
        )
        charts.append(
            Chart(
                UUID(int=0), UUID(int=0), "bench", None, birth, HouseSystem.PLACIDUS, ChartOptions(), now, now
            )
        )
    return charts


def natal_chart_benchmark(iterations: int = 5000) -> dict[str, float]:
    """Milliseconds per full natal chart: median, p99 and mean over `iterations` distinct charts."""
    return asyncio.run(_natal_charts(iterations))


async def _natal_charts(iterations: int) -> dict[str, float]:
    engine = SwissEphemerisEngine()
    charts = _charts(iterations)
    for chart in charts[:200]:
        await cast(engine, chart)
    samples = []
    for chart in charts:
        start = time.perf_counter()
        await cast(engine, chart)
        samples.append((time.perf_counter() - start) * 1000.0)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p99_ms": samples[int(len(samples) * 0.99) - 1],
        "mean_ms": statistics.fmean(samples),
    }


if __name__ == "__main__":
    figures = natal_chart_benchmark()
    print(" ".join(f"{name}={value:.3f}" for name, value in figures.items()), "(target median_ms <= 0.5)")  # noqa: T201
