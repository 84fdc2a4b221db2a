"""Liveness and readiness probes: `/health/live` says the process runs, `/health/ready` that its
dependencies (database, broker, Redis, …) answer, each within a timeout."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nocturna_platform.http.problems import Problem, ProblemResponse

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
DEFAULT_CHECK_TIMEOUT_SECONDS = 2.0

_logger = logging.getLogger("nocturna.http.health")


class ReadinessCheck(Protocol):
    """A dependency needed to serve traffic; `check` returns when it is usable and raises when it is not."""

    @property
    def name(self) -> str: ...

    async def check(self) -> None: ...


class ReadinessError(Exception):
    """Raise from a check with a short reason that is safe to show (no URL, host or secret)."""


@dataclass(frozen=True)
class CallableCheck:
    """A check from a coroutine function, e.g. `CallableCheck("redis", redis.ping)`; returning False fails."""

    name: str
    probe: Callable[[], Awaitable[object]]

    async def check(self) -> None:
        if await self.probe() is False:
            raise ReadinessError("check returned false")


def health_router(
    checks: Sequence[ReadinessCheck], *, timeout_seconds: float = DEFAULT_CHECK_TIMEOUT_SECONDS
) -> APIRouter:
    router = APIRouter()

    @router.get(LIVE_PATH, include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(READY_PATH, include_in_schema=False)
    async def ready(request: Request) -> Response:
        results = await asyncio.gather(*(_run(check, timeout_seconds) for check in checks))
        outcome = {check.name: result for check, result in zip(checks, results, strict=True)}
        if all(result == "ok" for result in outcome.values()):
            return JSONResponse({"status": "ok", "checks": outcome})
        failing = sorted(name for name, result in outcome.items() if result != "ok")
        problem = Problem(
            status=503,
            code="not_ready",
            title="Service not ready",
            detail="Failing readiness checks: " + ", ".join(failing) + ".",
            extensions={"checks": outcome},
        )
        return ProblemResponse(problem, instance=request.url.path)

    return router


async def _run(check: ReadinessCheck, timeout_seconds: float) -> str:
    """ "ok" or a short reason: the `ReadinessError` message, "timed out", or the exception type — never its
    message, which may name hosts or carry a connection string."""
    try:
        async with asyncio.timeout(timeout_seconds):
            await check.check()
    except ReadinessError as exc:
        _logger.warning("readiness check failed", extra={"check": check.name, "reason": str(exc)})
        return str(exc) or "failed"
    except TimeoutError:
        _logger.warning(
            "readiness check timed out", extra={"check": check.name, "timeout_s": timeout_seconds}
        )
        return f"timed out after {timeout_seconds:g}s"
    except Exception as exc:
        _logger.warning("readiness check failed", exc_info=exc, extra={"check": check.name})
        return f"failed: {type(exc).__name__}"
    return "ok"
