"""The upstream breaker as the proxy uses it: what counts against an upstream and what leaves it as it was."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from nocturna_gateway.resilience.upstream_calls import UpstreamCalls, UpstreamMetrics
from nocturna_gateway.routing import Upstream
from nocturna_gateway.settings import ProxySettings, ResilienceSettings
from nocturna_platform.http.problems import Problem
from prometheus_client import CollectorRegistry

from services.gateway.tests.fakes import FakeClock

CHART = Upstream("chart", "http://chart.test")
SETTINGS = ResilienceSettings(retries=0, breaker_failure_threshold=1, breaker_cooldown_seconds=10.0)


class ScriptedUpstream:
    """Answers each request by the next step: an exception to raise, "hang" until cancelled, or a status."""

    def __init__(self, *steps: Exception | str | int) -> None:
        self.steps = list(steps)
        self.reached = asyncio.Event()

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        step = self.steps.pop(0)
        self.reached.set()
        if isinstance(step, Exception):
            raise step
        if step == "hang":
            await asyncio.Event().wait()
        assert isinstance(step, int)
        return httpx.Response(step)


async def send(calls: UpstreamCalls, client: httpx.AsyncClient) -> int:
    try:
        response = await calls.send(client, CHART, client.build_request("GET", CHART.url + "/api/v1/charts"))
    except Problem as problem:
        return problem.status
    return response.status_code


async def test_a_probe_cancelled_mid_call_leaves_the_next_request_free_to_probe() -> None:
    clock = FakeClock()
    upstream = ScriptedUpstream(httpx.ConnectError("refused"), "hang", 200)
    calls = UpstreamCalls((CHART,), SETTINGS, ProxySettings(), clock, UpstreamMetrics(CollectorRegistry()))
    async with httpx.AsyncClient(transport=httpx.MockTransport(upstream)) as client:
        assert await send(calls, client) == 503
        assert await send(calls, client) == 503, "open: refused without a call"
        clock.advance(10)
        upstream.reached.clear()
        probe = asyncio.create_task(send(calls, client))
        await upstream.reached.wait()
        probe.cancel()
        with pytest.raises(asyncio.CancelledError):
            await probe
        assert await send(calls, client) == 200


async def test_our_own_saturated_pool_does_not_count_against_the_upstream() -> None:
    upstream = ScriptedUpstream(httpx.PoolTimeout("saturated"), httpx.PoolTimeout("saturated"), 200)
    calls = UpstreamCalls(
        (CHART,), SETTINGS, ProxySettings(), FakeClock(), UpstreamMetrics(CollectorRegistry())
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(upstream)) as client:
        assert [await send(calls, client) for _ in range(3)] == [503, 503, 200]
