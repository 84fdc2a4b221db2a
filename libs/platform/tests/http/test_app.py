from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from nocturna_platform.http.app import create_app
from nocturna_platform.http.metrics import ServiceMetrics
from nocturna_platform.http.problems import Problem
from nocturna_platform.observability.context import current_request_id
from nocturna_platform.observability.logging import LogFormatter
from nocturna_platform.settings import ServiceSettings
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OpenClient = Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]
INCOMING_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(LogFormatter("chart"))
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def access_lines() -> Iterator[list[dict[str, object]]]:
    logger = logging.getLogger("nocturna.http.access")
    handler, level = _Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


async def test_requests_are_traced_and_access_lines_carry_the_trace(
    make_app: Callable[..., FastAPI], open_client: OpenClient, access_lines: list[dict[str, object]]
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = make_app(tracer_provider=provider)

    async with open_client(app) as client:
        await client.get(
            "/api/v1/charts/5",
            headers={"traceparent": f"00-{INCOMING_TRACE_ID}-00f067aa0ba902b7-01", "X-Request-ID": "req-t"},
        )
        await client.get("/health/live")

    [span] = exporter.get_finished_spans()
    assert span.context is not None
    assert span.name == "GET /api/v1/charts/{chart_id}"
    assert format(span.context.trace_id, "032x") == INCOMING_TRACE_ID
    chart_line = next(line for line in access_lines if line["path"] == "/api/v1/charts/5")
    assert chart_line["trace_id"] == INCOMING_TRACE_ID
    assert chart_line["request_id"] == "req-t"
    assert chart_line["route"] == "/api/v1/charts/{chart_id}"


async def test_the_user_bound_during_the_request_is_on_its_access_line(
    client: httpx.AsyncClient, access_lines: list[dict[str, object]]
) -> None:
    from_route = (await client.get("/whoami")).json()
    await client.get("/api/v1/charts/1")

    whoami_line, chart_line = access_lines
    assert whoami_line["user_id"] == from_route["user_id"]
    assert "user_id" not in chart_line


class _RecordRequestId:
    """Stands for a service's own middleware (CORS, auth …)."""

    def __init__(self, app: ASGIApp, seen: list[str | None]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen.append(current_request_id())
        await self.app(scope, receive, send)


async def test_service_middleware_runs_inside_ours(
    make_app: Callable[..., FastAPI], open_client: OpenClient
) -> None:
    seen: list[str | None] = []
    app = make_app(middleware=[Middleware(_RecordRequestId, seen=seen)])

    async with open_client(app) as client:
        await client.get("/api/v1/charts/1", headers={"X-Request-ID": "req-mw"})

    assert seen == ["req-mw"]


async def test_lifespan_is_the_services_own() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("start")
        yield
        events.append("stop")

    app = create_app(
        settings=ServiceSettings(),
        title="t",
        version="1",
        routers=[],
        readiness_checks=[],
        metrics=ServiceMetrics(process_metrics=False),
        lifespan=lifespan,
    )
    messages: list[Message] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)

    assert events == ["start", "stop"]
    assert [message["type"] for message in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


@pytest.mark.parametrize(("environment", "docs"), [("development", 200), ("production", 404)])
async def test_docs_ui_only_in_development_and_openapi_always(
    open_client: OpenClient, environment: str, docs: int
) -> None:
    app = create_app(
        settings=ServiceSettings.model_validate({"environment": environment}),
        title="chart",
        version="1.2.3",
        routers=[],
        readiness_checks=[],
        metrics=ServiceMetrics(process_metrics=False),
    )

    async with open_client(app) as client:
        assert (await client.get("/docs")).status_code == docs
        openapi = await client.get("/openapi.json")

    assert openapi.json()["info"] == {"title": "chart", "version": "1.2.3"}


class _RejectAnonymous:
    """A service middleware that refuses before FastAPI's exception handling is reached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/whoami":
            raise Problem(status=401, code="unauthenticated", title="Unauthenticated")
        if scope["type"] == "http" and scope["path"] == "/api/v1/charts/9":
            raise HTTPException(status_code=429, headers={"Retry-After": "1"})
        await self.app(scope, receive, send)


async def test_problems_raised_in_service_middleware_are_rendered_not_logged_as_bugs(
    make_app: Callable[..., FastAPI], open_client: OpenClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(middleware=[Middleware(_RejectAnonymous)])

    with caplog.at_level(logging.ERROR, logger="nocturna.http"):
        async with open_client(app) as client:
            unauthenticated = await client.get("/whoami")
            limited = await client.get("/api/v1/charts/9")

    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["code"] == "unauthenticated"
    assert limited.status_code == 429
    assert limited.json()["code"] == "too_many_requests"
    assert limited.headers["retry-after"] == "1"
    assert [record for record in caplog.records if record.name == "nocturna.http"] == []
