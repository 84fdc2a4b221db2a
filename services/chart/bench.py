"""Benchmarks: one full natal chart in-process (tz resolution, positions, houses, aspects; target median ≤ 0.5 ms),
and charts per second through the batch path (submit → queue → worker → one saved, billed chart per record).

Run: `.venv/bin/python services/chart/bench.py [--batch-records N]` or call `natal_chart_benchmark()` /
`batch_benchmark()`. The batch figure runs on an isolated run of the infrastructure (own database, exchange and
queue prefix, removed afterwards). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from uuid import UUID

from nocturna_chart.application.submit_batch import SubmitBatch
from nocturna_chart.bootstrap import ChartService
from nocturna_chart.domain.batch import BatchItem
from nocturna_chart.domain.birth import BirthData
from nocturna_chart.domain.charts import Chart, ChartOptions, cast
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine
from nocturna_chart.settings import ChartSettings
from nocturna_platform.ids import uuid7
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.security.principal import Principal
from nocturna_platform.testing.infrastructure import Infrastructure
from nocturna_platform.testing.isolated_run import isolated_run
from nocturna_platform.testing.serving import serving

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


async def _batch_run(records: int) -> dict[str, float]:
    service = ChartService(ChartSettings())
    async with serving(service):
        now = datetime.now(UTC)
        user = uuid7()
        unlimited = Entitlements("bench", None, None, synastry=True, transits=True, batch=True)
        meta = EventMeta(
            "chart", uuid7(), "subscription.subscription.changed.v1", now, "subscription", None, None
        )
        await service.use_cases.project_entitlements(EntitlementProjection(user, unlimited, 1, now), meta)
        items = [
            BatchItem(index, f"bench {index}", None, chart.birth, chart.house_system, chart.options)
            for index, chart in enumerate(_charts(records))
        ]
        owner = Principal(user, None, frozenset({"user"}), frozenset(), "bench", now + timedelta(hours=1))
        job, _ = await service.use_cases.submit_batch(SubmitBatch(user, items))
        while not (report := await service.use_cases.get_batch(owner, job.id)).job.finished:
            await asyncio.sleep(0.5)  # rarely: reading the outcomes competes with the worker for the CPU
        assert report.job.completed_at is not None
        elapsed = (report.job.completed_at - report.job.created_at).total_seconds()
    return {"batch_records": records, "batch_seconds": elapsed, "charts_per_second": records / elapsed}


def batch_benchmark(records: int = 1000) -> dict[str, float]:
    """Charts per second of one job of `records`: from its submission to its completion, as the job records them
    (through the outbox, the broker, the worker's chunked transactions)."""
    with Infrastructure.acquire() as infrastructure, isolated_run(infrastructure, label="bench") as run:
        os.environ.update(run.env(LOG__LEVEL="ERROR", OUTBOX__POLL_INTERVAL_SECONDS="1.0"))
        return asyncio.run(_batch_run(records))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--batch-records", type=int, default=1000, help="records of the batch job (0 skips it)"
    )
    args = parser.parse_args()
    figures = natal_chart_benchmark()
    print(" ".join(f"{name}={value:.3f}" for name, value in figures.items()), "(target median_ms <= 0.5)")  # noqa: T201
    if args.batch_records:
        batch = batch_benchmark(args.batch_records)
        print(" ".join(f"{name}={value:.1f}" for name, value in batch.items()))  # noqa: T201
