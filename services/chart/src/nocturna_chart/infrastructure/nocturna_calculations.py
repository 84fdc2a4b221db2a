"""`CalculationEngine` on a remote Nocturna Calculations service (httpx), defended against its failure modes.

Upstream stops answering for minutes with 16 or more requests in flight, answers bad input with 500 and has a
health check that says nothing: so a cap on requests in flight, short timeouts, retries only where a retry can
help (connection errors, 502/503/504), a circuit breaker, and every failure mapped to our own engine errors.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
from nocturna_platform.resilience.breaker import BreakerState, CircuitBreaker, CircuitOpen
from prometheus_client import CollectorRegistry, Counter, Gauge
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from nocturna_chart.domain.engine import (
    Body,
    EngineFailed,
    EngineInfo,
    EngineTimedOut,
    EngineUnavailable,
    HousesUnavailable,
    HouseSystem,
    HouseSystemNotOffered,
    RawHouses,
    RawPosition,
)
from nocturna_chart.infrastructure.nocturna_answers import (
    DERIVED_SYSTEMS,
    POSITIONS_SYSTEM,
    UPSTREAM_BODIES,
    UPSTREAM_SYSTEMS,
    chart_data,
    houses_of,
    houses_undefined,
    natal_chart_body,
    positions_of,
    upstream_instant,
)

NATAL_CHART_PATH = "/api/stateless/natal-chart"
RETRIED_STATUSES = frozenset({502, 503, 504})
RECENT_ANSWERS = 512
OUTCOMES = (
    "ok",
    "calculation_error",
    "refused",
    "outage",
    "unreachable",
    "timeout",
    "circuit_open",
    "queue_full",
)
_logger = logging.getLogger("nocturna.chart.remote_engine")


class _Retryable(Exception):
    """An attempt failed in a way another attempt may not (connection refused or reset, 502/503/504)."""


class NocturnaCalculationsEngine:
    """One natal-chart call per chart: a houses answer carries the positions, kept for the positions call."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        breaker: CircuitBreaker,
        *,
        max_in_flight: int = 8,
        queue_timeout_seconds: float = 5.0,
        attempts: int = 3,
        backoff_seconds: float = 0.1,
        backoff_max_seconds: float = 1.0,
        version: str = "nocturna-calculations",
        registry: CollectorRegistry | None = None,
    ) -> None:
        self._http, self._breaker = http, breaker
        self._slots = asyncio.Semaphore(max_in_flight)
        self._queue_timeout = queue_timeout_seconds
        self._stop = stop_after_attempt(attempts)
        self._wait = wait_random_exponential(multiplier=backoff_seconds, max=backoff_max_seconds)
        self._info = EngineInfo("nocturna-calculations", version)
        self._bodies = tuple(UPSTREAM_BODIES)
        self._recent: OrderedDict[float, Mapping[str, Any]] = OrderedDict()
        attempts_counter = Counter(
            "chart_remote_engine_attempts",
            "Calls to Nocturna Calculations (each retry counted) by outcome.",
            ("outcome",),
            registry=registry,
        )
        self._outcome = {outcome: attempts_counter.labels(outcome) for outcome in OUTCOMES}
        Gauge(
            "chart_remote_engine_circuit_open",
            "1 while the circuit to Nocturna Calculations is not closed.",
            registry=registry,
        ).set_function(lambda: float(breaker.state is not BreakerState.CLOSED))

    @property
    def info(self) -> EngineInfo:
        return self._info

    @property
    def bodies(self) -> tuple[Body, ...]:
        return self._bodies

    async def positions(self, jd_ut: float, bodies: tuple[Body, ...]) -> dict[Body, RawPosition]:
        at, rest = upstream_instant(jd_ut)
        data = self._recent.get(jd_ut)
        if data is None:
            data = await self._natal_chart(natal_chart_body(at, 0.0, 0.0, POSITIONS_SYSTEM))
        with _answer_checked():
            return positions_of(data, bodies, rest)

    async def houses(self, jd_ut: float, latitude: float, longitude: float, system: HouseSystem) -> RawHouses:
        if system not in UPSTREAM_SYSTEMS and system not in DERIVED_SYSTEMS:
            raise HouseSystemNotOffered(system, self._info.name)
        if houses_undefined(system, latitude, jd_ut):
            raise HousesUnavailable(system.value)
        asked = system if system in UPSTREAM_SYSTEMS else HouseSystem.EQUAL
        at, _ = upstream_instant(jd_ut)
        data = await self._natal_chart(natal_chart_body(at, latitude, longitude, asked))
        self._remember(jd_ut, data)
        with _answer_checked():
            return houses_of(data, jd_ut, latitude, system)

    def _remember(self, jd_ut: float, data: Mapping[str, Any]) -> None:
        self._recent[jd_ut] = data
        if len(self._recent) > RECENT_ANSWERS:
            self._recent.popitem(last=False)

    async def _natal_chart(self, body: dict[str, Any]) -> Mapping[str, Any]:
        try:
            await asyncio.wait_for(self._slots.acquire(), self._queue_timeout)
        except TimeoutError:
            self._outcome["queue_full"].inc()
            raise EngineUnavailable("too many calculations waiting for the remote engine") from None
        try:
            async for attempt in AsyncRetrying(
                stop=self._stop, wait=self._wait, retry=retry_if_exception_type(_Retryable), reraise=True
            ):
                with attempt:
                    return await self._attempt(body)
        except _Retryable as error:
            raise EngineUnavailable(str(error)) from None
        finally:
            self._slots.release()
        raise AssertionError("unreachable: tenacity returns or raises")

    async def _attempt(self, body: dict[str, Any]) -> Mapping[str, Any]:
        try:
            self._breaker.acquire()
        except CircuitOpen as error:
            self._outcome["circuit_open"].inc()
            raise EngineUnavailable("remote engine circuit open", max(1, round(error.retry_after))) from None
        try:
            response = await self._http.post(NATAL_CHART_PATH, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as error:
            self._breaker.failure()
            self._outcome["unreachable"].inc()
            raise _Retryable(f"cannot reach the remote engine: {type(error).__name__}") from None
        except httpx.TimeoutException:
            self._breaker.failure()
            self._outcome["timeout"].inc()
            raise EngineTimedOut("the remote engine did not answer in time") from None
        except BaseException:
            self._breaker.release()
            raise
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> Mapping[str, Any]:
        status = response.status_code
        if status in RETRIED_STATUSES:
            self._breaker.failure()
            self._outcome["outage"].inc()
            raise _Retryable(f"remote engine answered {status}")
        if status == 200:
            self._breaker.success()
            self._outcome["ok"].inc()
            with _answer_checked():
                return chart_data(response.json())
        # Upstream's own outages (database down, pool exhausted) come as 500 with success=false; a calculation
        # error is a 500 with `detail` and says nothing about its health. Never retried, never echoed.
        outage = status >= 500 and _is_outage(response)
        self._breaker.failure() if outage else self._breaker.success()
        self._outcome["outage" if outage else "calculation_error" if status >= 500 else "refused"].inc()
        level = logging.ERROR if status in (401, 403, 422) else logging.WARNING
        _logger.log(level, "nocturna-calculations answered %s%s", status, " (outage)" if outage else "")
        raise EngineFailed(f"remote engine answered {status}")


@contextmanager
def _answer_checked() -> Iterator[None]:
    try:
        yield
    except ValueError as error:  # MalformedAnswer, or a body that is not JSON
        _logger.error("malformed answer from nocturna-calculations: %s", error)
        raise EngineFailed("malformed answer") from None


def _is_outage(response: httpx.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return True
    return not (isinstance(body, Mapping) and isinstance(body.get("detail"), str))
