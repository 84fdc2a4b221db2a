from __future__ import annotations

import asyncio
from time import perf_counter

import pytest

from services.gateway.tests.conftest import GatewayHarness, LocalUpstream

pytestmark = pytest.mark.integration


async def test_an_upstream_timeout_is_a_504_problem(gateway: GatewayHarness) -> None:
    answer = await gateway.client.get("/api/v1/plans/slow", headers=gateway.auth.bearer())
    assert answer.status_code == 504
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "upstream_timeout"


async def test_a_get_is_retried_after_a_connect_error_and_reaches_an_upstream_that_came_back(
    faulty_gateway: GatewayHarness,
) -> None:
    port = faulty_gateway.closed_ports["geocoding"]
    upstream = LocalUpstream("geocoding", port)
    request = asyncio.create_task(
        faulty_gateway.client.get("/api/v1/geo/echo", headers=faulty_gateway.auth.bearer())
    )
    await eventually(
        lambda: (
            faulty_gateway.metric("gateway_upstream_failures_total", upstream="geocoding", kind="connect")
            >= 1
        )
    )
    await upstream.start()
    try:
        answer = await request
    finally:
        await upstream.stop()
    assert answer.status_code == 200
    assert answer.json()["service"] == "geocoding"
    assert faulty_gateway.metric("gateway_upstream_retries_total", upstream="geocoding") >= 1


async def test_a_post_is_never_retried(faulty_gateway: GatewayHarness) -> None:
    before = faulty_gateway.metric("gateway_upstream_failures_total", upstream="auth", kind="connect")
    answer = await faulty_gateway.client.post(
        "/api/v1/auth/echo", content=b"{}", headers=faulty_gateway.auth.bearer()
    )
    assert answer.status_code == 503
    assert answer.json()["code"] == "upstream_unavailable"
    assert (
        faulty_gateway.metric("gateway_upstream_failures_total", upstream="auth", kind="connect")
        == before + 1
    )
    assert faulty_gateway.metric("gateway_upstream_retries_total", upstream="auth") == 0

    retried = await faulty_gateway.client.get("/api/v1/auth/echo", headers=faulty_gateway.auth.bearer())
    assert retried.status_code == 503
    assert faulty_gateway.metric("gateway_upstream_retries_total", upstream="auth") == 2


async def test_a_failing_upstream_opens_its_breaker_answers_503_at_once_and_recovers_after_the_cooldown(
    faulty_gateway: GatewayHarness,
) -> None:
    for _ in range(3):  # threshold 3: the first POST fails, and so do the next ones
        assert (
            await faulty_gateway.client.post(
                "/api/v1/charts/echo", content=b"{}", headers=faulty_gateway.auth.bearer()
            )
        ).status_code == 503
    started = perf_counter()
    short_circuited = await faulty_gateway.client.get(
        "/api/v1/charts/echo", headers=faulty_gateway.auth.bearer()
    )
    elapsed = perf_counter() - started
    assert short_circuited.status_code == 503
    assert short_circuited.json()["code"] == "upstream_unavailable"
    assert int(short_circuited.headers["retry-after"]) >= 1
    assert elapsed < 0.2, "no connect attempt, no retry backoff"
    assert faulty_gateway.metric("gateway_upstream_short_circuited_total", upstream="chart") >= 1
    assert (
        await faulty_gateway.client.get("/api/v1/plans/echo", headers=faulty_gateway.auth.bearer())
    ).status_code == 200, "other upstreams unaffected"

    upstream = LocalUpstream("chart", faulty_gateway.closed_ports["chart"])
    await upstream.start()
    try:
        assert (
            await faulty_gateway.client.get("/api/v1/charts/echo", headers=faulty_gateway.auth.bearer())
        ).status_code == 503, "still cooling down"
        await asyncio.sleep(1.1)
        probe = await faulty_gateway.client.get("/api/v1/charts/echo", headers=faulty_gateway.auth.bearer())
        assert probe.status_code == 200
        assert (
            await faulty_gateway.client.post(
                "/api/v1/charts/echo", content=b"{}", headers=faulty_gateway.auth.bearer()
            )
        ).status_code == 200
    finally:
        await upstream.stop()


async def eventually(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = perf_counter() + timeout
    while not condition():
        if perf_counter() > deadline:
            raise AssertionError("condition never met")
        await asyncio.sleep(0.01)


async def test_a_broken_answer_is_a_502_problem(faulty_gateway: GatewayHarness) -> None:
    async def answer_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"this is not HTTP\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer_garbage, "127.0.0.1", faulty_gateway.closed_ports["auth"])
    try:
        await asyncio.sleep(1.1)  # auth's breaker may be open from the tests above: let it probe
        answer = await faulty_gateway.client.get("/api/v1/auth/echo", headers=faulty_gateway.auth.bearer())
    finally:
        server.close()
        await server.wait_closed()
    assert answer.status_code == 502
    assert answer.json()["code"] == "bad_gateway"
    assert faulty_gateway.metric("gateway_upstream_failures_total", upstream="auth", kind="protocol") == 1
