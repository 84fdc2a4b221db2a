"""The remote engine against the fake Nocturna Calculations over real HTTP: answers, faults, breaker, cap."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from nocturna_chart.domain.aspects import AspectPolicy
from nocturna_chart.domain.engine import Body, EngineFailed, EngineTimedOut, EngineUnavailable, HouseSystem
from nocturna_chart.domain.natal import ChartRequest, calculate_chart
from nocturna_chart.infrastructure.nocturna_calculations import NocturnaCalculationsEngine
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine
from nocturna_platform.resilience.breaker import BreakerState, CircuitBreaker

from services.chart.tests.fake_calculations import TOKEN, FakeCalculations, serving_fake

RECORDED = json.loads((Path(__file__).parents[1] / "reference" / "natal.json").read_text())["data"]
ARCSECOND = 1.0 / 3600.0
NATAL = ChartRequest(2447907.3125, 40.7128, -74.006, HouseSystem.PLACIDUS)  # the recorded natal request
READ_TIMEOUT = 0.5
UPSTREAM_KEYS = {
    "SUN": Body.SUN,
    "MOON": Body.MOON,
    "MERCURY": Body.MERCURY,
    "VENUS": Body.VENUS,
    "MARS": Body.MARS,
    "JUPITER": Body.JUPITER,
    "SATURN": Body.SATURN,
    "URANUS": Body.URANUS,
    "NEPTUNE": Body.NEPTUNE,
    "PLUTO": Body.PLUTO,
    "NORTH_NODE": Body.NORTH_NODE,
    "LILITH": Body.LILITH,
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
async def upstream() -> AsyncIterator[tuple[FakeCalculations, str]]:
    fake = FakeCalculations()
    async with serving_fake(fake) as base_url:
        yield fake, base_url


@pytest.fixture
async def fake(upstream: tuple[FakeCalculations, str]) -> FakeCalculations:
    upstream[0].reset()
    return upstream[0]


def _gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _remote(
    base_url: str,
    breaker: CircuitBreaker | None = None,
    *,
    max_in_flight: int = 8,
    queue_timeout_seconds: float = 5.0,
) -> NocturnaCalculationsEngine:
    http = httpx.AsyncClient(
        base_url=base_url,
        headers={"authorization": f"Bearer {TOKEN}"},
        timeout=httpx.Timeout(READ_TIMEOUT, connect=1.0),
        limits=httpx.Limits(max_connections=8),
    )
    return NocturnaCalculationsEngine(
        http,
        breaker or CircuitBreaker(failure_threshold=5),
        max_in_flight=max_in_flight,
        queue_timeout_seconds=queue_timeout_seconds,
        backoff_seconds=0.01,
    )


async def test_the_recorded_chart_comes_back_normalised_with_our_own_aspects(
    fake: FakeCalculations, upstream: tuple[FakeCalculations, str]
) -> None:
    chart = await calculate_chart(_remote(upstream[1]), NATAL, AspectPolicy.of())

    assert (fake.served_recorded, fake.requests) == (1, 1)  # one call, answered from the recording
    for key, expected in RECORDED["planets"].items():
        ours = chart.bodies[UPSTREAM_KEYS[key].value]
        assert _gap(ours.longitude, expected["longitude"]) < ARCSECOND, key
        assert ours.retrograde is expected["is_retrograde"], key
    assert chart.houses is not None
    assert list(chart.houses.cusps) == RECORDED["houses"]["cusps"]
    assert _gap(chart.bodies["south_node"].longitude, chart.bodies["north_node"].longitude) == pytest.approx(
        180.0
    )
    assert chart.bodies["sun"].sign == "capricorn"
    local = await calculate_chart(SwissEphemerisEngine(), NATAL, AspectPolicy.of())
    local_aspects = {(a.a, a.b, a.type) for a in local.aspects if Body.TRUE_NODE not in (a.a, a.b)}
    assert {(a.a, a.b, a.type) for a in chart.aspects} == local_aspects


async def test_a_calculation_error_is_reported_without_retrying(
    fake: FakeCalculations, upstream: tuple[FakeCalculations, str]
) -> None:
    fake.script("calc_error")

    with pytest.raises(EngineFailed):
        await calculate_chart(_remote(upstream[1]), NATAL, AspectPolicy.of())

    assert fake.requests == 1


async def test_a_503_is_retried_and_the_retry_answers(
    fake: FakeCalculations, upstream: tuple[FakeCalculations, str]
) -> None:
    fake.script(503, 502)

    chart = await calculate_chart(_remote(upstream[1]), NATAL, AspectPolicy.of())

    assert fake.requests == 3
    assert chart.houses is not None


async def test_a_hang_times_out_within_the_read_timeout(
    fake: FakeCalculations, upstream: tuple[FakeCalculations, str]
) -> None:
    fake.script("hang")
    started = time.monotonic()

    with pytest.raises(EngineTimedOut):
        await calculate_chart(_remote(upstream[1]), NATAL, AspectPolicy.of())

    assert time.monotonic() - started < READ_TIMEOUT + 1.0
    assert fake.requests == 1


async def test_the_breaker_opens_on_repeated_failures_and_recovers_after_the_cooldown(
    fake: FakeCalculations, upstream: tuple[FakeCalculations, str]
) -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, cooldown_seconds=30.0, clock=clock)
    engine = _remote(upstream[1], breaker)
    fake.always = 503

    with pytest.raises(EngineUnavailable):
        await engine.positions(NATAL.jd_ut, (Body.SUN,))  # three attempts, three failures
    assert breaker.state is BreakerState.OPEN
    asked = fake.requests
    with pytest.raises(EngineUnavailable) as refused:
        await engine.positions(NATAL.jd_ut, (Body.SUN,))
    assert fake.requests == asked  # refused without asking upstream
    assert refused.value.retry_after_seconds == 30

    fake.always = None
    clock.now += 30.0
    positions = await engine.positions(NATAL.jd_ut, (Body.SUN,))

    assert _gap(positions[Body.SUN].longitude, RECORDED["planets"]["SUN"]["longitude"]) < ARCSECOND
    assert breaker.state is BreakerState.CLOSED


async def test_twenty_concurrent_calculations_never_put_more_than_the_cap_in_flight(
    fake: FakeCalculations, upstream: tuple[FakeCalculations, str]
) -> None:
    fake.always = ("slow", 0.05)
    engine = _remote(upstream[1], max_in_flight=4)

    answers = await asyncio.gather(*(engine.positions(NATAL.jd_ut + day, (Body.SUN,)) for day in range(20)))

    assert len(answers) == 20
    assert fake.requests == 20
    assert fake.max_in_flight == 4


async def test_a_full_queue_answers_unavailable_instead_of_waiting_forever(
    fake: FakeCalculations, upstream: tuple[FakeCalculations, str]
) -> None:
    fake.always = ("slow", 0.3)
    engine = _remote(upstream[1], max_in_flight=1, queue_timeout_seconds=0.05)

    results = await asyncio.gather(
        *(engine.positions(NATAL.jd_ut + day, (Body.SUN,)) for day in range(3)), return_exceptions=True
    )

    assert sum(isinstance(result, EngineUnavailable) for result in results) == 2
    assert fake.max_in_flight == 1
