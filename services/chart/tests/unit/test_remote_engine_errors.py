"""How the remote engine maps each upstream answer: what is retried, what opens the breaker, what we raise."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from nocturna_chart.domain.engine import (
    Body,
    EngineFailed,
    EngineTimedOut,
    EngineUnavailable,
    HousesUnavailable,
    HouseSystem,
    HouseSystemNotOffered,
)
from nocturna_chart.infrastructure.nocturna_calculations import NocturnaCalculationsEngine
from nocturna_platform.resilience.breaker import BreakerState, CircuitBreaker

RECORDED = json.loads((Path(__file__).parents[1] / "reference" / "natal.json").read_text())
JD = 2447907.3125


class Upstream:
    """Answers from a list (the last one repeats) and counts the requests."""

    def __init__(self, *answers: httpx.Response | type[Exception]) -> None:
        self.answers, self.requests = list(answers), 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, type):
            raise answer("upstream fault", request=request)
        return answer


def _engine(
    upstream: Callable[[httpx.Request], httpx.Response], breaker: CircuitBreaker | None = None
) -> NocturnaCalculationsEngine:
    http = httpx.AsyncClient(transport=httpx.MockTransport(upstream), base_url="http://calculations.test")
    return NocturnaCalculationsEngine(
        http, breaker or CircuitBreaker(failure_threshold=5), attempts=3, backoff_seconds=0.001
    )


async def test_a_calculation_error_is_not_retried_and_leaves_the_breaker_closed() -> None:
    upstream = Upstream(httpx.Response(500, json={"detail": "Error calculating natal chart: boom"}))
    breaker = CircuitBreaker(failure_threshold=1)

    with pytest.raises(EngineFailed):
        await _engine(upstream, breaker).positions(JD, (Body.SUN,))

    assert upstream.requests == 1
    assert breaker.state is BreakerState.CLOSED


async def test_an_upstream_outage_is_not_retried_but_counts_against_the_breaker() -> None:
    upstream = Upstream(httpx.Response(500, json={"success": False, "error": {"code": "DB"}}))
    breaker = CircuitBreaker(failure_threshold=1)

    with pytest.raises(EngineFailed):
        await _engine(upstream, breaker).positions(JD, (Body.SUN,))

    assert upstream.requests == 1
    assert breaker.state is BreakerState.OPEN


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_statuses_are_retried_then_reported_unavailable(status: int) -> None:
    upstream = Upstream(httpx.Response(status))

    with pytest.raises(EngineUnavailable):
        await _engine(upstream).positions(JD, (Body.SUN,))

    assert upstream.requests == 3


async def test_a_retry_that_succeeds_answers_normally() -> None:
    upstream = Upstream(httpx.Response(503), httpx.ConnectError, httpx.Response(200, json=RECORDED))

    positions = await _engine(upstream).positions(JD, (Body.SUN,))

    assert positions[Body.SUN].longitude == pytest.approx(295.39644791188624)
    assert upstream.requests == 3


async def test_a_read_timeout_is_a_timeout_and_is_not_retried() -> None:
    upstream = Upstream(httpx.ReadTimeout)

    with pytest.raises(EngineTimedOut):
        await _engine(upstream).positions(JD, (Body.SUN,))

    assert upstream.requests == 1


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"detail": "Could not validate credentials"}),
        httpx.Response(422, json={"detail": [{"loc": ["body"], "msg": "x"}]}),
        httpx.Response(200, text="<html>"),
        httpx.Response(200, json={"success": True, "data": {"planets": {}}}),
    ],
)
async def test_refusals_and_malformed_answers_are_engine_failures(answer: httpx.Response) -> None:
    with pytest.raises(EngineFailed):
        await _engine(Upstream(answer)).positions(JD, (Body.SUN,))


async def test_systems_upstream_lacks_are_refused_and_polar_placidus_is_never_asked() -> None:
    upstream = Upstream(httpx.Response(200, json=RECORDED))
    engine = _engine(upstream)

    with pytest.raises(HouseSystemNotOffered):
        await engine.houses(JD, 40.0, 0.0, HouseSystem.TOPOCENTRIC)
    with pytest.raises(HousesUnavailable):
        await engine.houses(JD, 78.2, 15.6, HouseSystem.PLACIDUS)

    assert upstream.requests == 0


async def test_positions_after_houses_at_the_same_instant_reuse_the_answer() -> None:
    upstream = Upstream(httpx.Response(200, json=RECORDED))
    engine = _engine(upstream)

    await engine.houses(JD, 40.7128, -74.006, HouseSystem.PLACIDUS)
    await engine.positions(JD, engine.bodies)

    assert upstream.requests == 1
