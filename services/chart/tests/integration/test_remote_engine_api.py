"""The chart API on the remote engine: upstream faults become our 502/503/504 problems, never a 500."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from nocturna_chart.bootstrap import ChartService
from nocturna_chart.settings import ChartSettings, EngineSettings, RemoteEngineSettings, ResultCacheSettings
from nocturna_platform.clock import utc_now
from nocturna_platform.security import SigningKey, TokenVerifier
from nocturna_platform.security.jwks import StaticKeySet
from nocturna_platform.testing.serving import serving
from pydantic import SecretStr

from services.chart.tests.conftest import ChartHarness
from services.chart.tests.fake_calculations import TOKEN, FakeCalculations, serving_fake
from services.chart.tests.integration.chart_requests import NATAL

READ_TIMEOUT = 0.5


@pytest.fixture(scope="module")
async def remote_chart(test_env: dict[str, str]) -> AsyncIterator[tuple[ChartHarness, FakeCalculations]]:
    fake = FakeCalculations()
    async with serving_fake(fake) as base_url:
        remote = RemoteEngineSettings(
            base_url=base_url,
            service_token=SecretStr(TOKEN),
            read_timeout_seconds=READ_TIMEOUT,
            attempts=2,
            backoff_seconds=0.01,
            breaker_failures=4,
            breaker_cooldown_seconds=60.0,
        )
        settings = ChartSettings(
            engine=EngineSettings(kind="remote", remote=remote),
            result_cache=ResultCacheSettings(enabled=False),
        )
        service = ChartService(settings)
        key = SigningKey.generate()
        async with serving(service, base_url="http://chart.test") as client:
            service.app.state.token_verifier = TokenVerifier(
                settings.tokens, StaticKeySet.from_signing_keys(key), utc_now
            )
            yield ChartHarness(service, client, key, settings), fake


async def _create(harness: ChartHarness) -> Any:
    return await harness.client.post("/api/v1/charts", json=NATAL, headers=harness.headers(uuid4()))


async def test_a_chart_is_cast_by_the_remote_engine(
    remote_chart: tuple[ChartHarness, FakeCalculations],
) -> None:
    harness, fake = remote_chart
    fake.reset()

    created = await _create(harness)

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["engine"]["name"] == "nocturna-calculations"
    assert fake.served_recorded == 1
    assert abs(body["result"]["bodies"]["sun"]["longitude"] - 295.39644791188624) < 1 / 3600
    assert "true_node" not in body["result"]["bodies"]
    assert body["result"]["bodies"]["south_node"]["sign"]
    assert set(body["result"]["houses"]["angles"]) == {"asc", "mc", "desc", "ic", "vertex"}


async def test_upstream_faults_answer_our_own_problems(
    remote_chart: tuple[ChartHarness, FakeCalculations],
) -> None:
    harness, fake = remote_chart
    for fault, status, code in (
        ("calc_error", 502, "engine_failed"),
        ("outage", 502, "engine_failed"),
        ("hang", 504, "engine_timeout"),
    ):
        fake.reset()
        fake.script(fault)
        started = time.monotonic()

        answer = await _create(harness)

        assert answer.status_code == status, (fault, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == code
        assert "swisseph" not in answer.text  # upstream text is never echoed
        assert "DATABASE" not in answer.text
        assert time.monotonic() - started < READ_TIMEOUT + 2.0


async def test_a_house_system_upstream_lacks_is_a_clear_422(
    remote_chart: tuple[ChartHarness, FakeCalculations],
) -> None:
    harness, fake = remote_chart
    fake.reset()

    answer = await harness.client.post(
        "/api/v1/charts", json={**NATAL, "house_system": "topocentric"}, headers=harness.headers(uuid4())
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "house_system_not_offered"
    assert fake.requests == 0


async def test_a_down_upstream_opens_the_circuit_and_answers_503_at_once(
    remote_chart: tuple[ChartHarness, FakeCalculations],
) -> None:
    harness, fake = remote_chart
    fake.reset()
    fake.always = 503

    answers = [await _create(harness) for _ in range(3)]  # 2 attempts each: at most 4 failures open it
    asked = fake.requests
    refused = await _create(harness)

    assert [a.status_code for a in [*answers, refused]] == [503] * 4
    assert asked <= 4
    assert fake.requests == asked  # the open circuit answers without asking upstream
    assert refused.json()["code"] == "engine_unavailable"
    assert int(refused.headers["retry-after"]) > 0
    metrics = (await harness.client.get("/metrics")).text
    assert "chart_remote_engine_circuit_open 1.0" in metrics
    assert 'chart_remote_engine_attempts_total{outcome="circuit_open"}' in metrics
