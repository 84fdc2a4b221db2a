from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

import httpx
from fastapi import FastAPI
from nocturna_platform.http.health import CallableCheck, ReadinessCheck, ReadinessError, health_router
from nocturna_platform.http.problems import install_problem_handlers

OpenClient = Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]


async def _ok() -> None:
    return None


async def _refused() -> None:
    raise ConnectionRefusedError("connect to redis://:s3cret@redis.internal:6379 refused")


async def _hangs() -> None:
    await asyncio.sleep(60)


async def _broker_down() -> None:
    raise ReadinessError("broker unreachable")


async def _false() -> bool:
    return False


def _probe_app(checks: Sequence[ReadinessCheck], timeout_seconds: float = 0.2) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(health_router(checks, timeout_seconds=timeout_seconds))
    return app


async def test_live_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_with_passing_checks_answers_ok_per_check(
    make_app: Callable[..., FastAPI], open_client: OpenClient
) -> None:
    app = make_app(readiness_checks=[CallableCheck("database", _ok), CallableCheck("redis", _ok)])
    async with open_client(app) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


async def test_ready_with_failing_and_hanging_checks_is_a_503_naming_them(open_client: OpenClient) -> None:
    app = _probe_app(
        [
            CallableCheck("database", _ok),
            CallableCheck("redis", _refused),
            CallableCheck("broker", _hangs),
            CallableCheck("cache", _broker_down),
            CallableCheck("flag", _false),
        ]
    )
    async with open_client(app) as client:
        started = time.monotonic()
        response = await client.get("/health/ready")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["checks"] == {
        "database": "ok",
        "redis": "failed: ConnectionRefusedError",
        "broker": "timed out after 0.2s",
        "cache": "broker unreachable",
        "flag": "check returned false",
    }
    assert "broker, cache, flag, redis" in body["detail"]
    assert "s3cret" not in response.text
    assert "redis.internal" not in response.text
    assert elapsed < 2, "checks run concurrently, each bounded by the timeout"
