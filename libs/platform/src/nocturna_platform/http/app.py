"""The shell every service's HTTP side is built with; a service passes its routers, checks and settings.

Decisions: `/health/*` and `/metrics` are left out of the OpenAPI document (they are for the platform, not API
clients, and the gateway merges the documents), out of traces, and out of INFO access logs. The docs UI is
served only in development; `/openapi.json` always, for the gateway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import TracerProvider
from starlette.middleware import Middleware

from nocturna_platform.http.health import LIVE_PATH, READY_PATH, ReadinessCheck, health_router
from nocturna_platform.http.metrics import METRICS_PATH, ServiceMetrics, metrics_router
from nocturna_platform.http.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from nocturna_platform.http.openapi import document_problems, document_route_problems, problem_responses
from nocturna_platform.http.problems import install_problem_handlers
from nocturna_platform.observability.telemetry import instrument_fastapi
from nocturna_platform.settings import ServiceSettings

OPERATIONAL_PATHS = (LIVE_PATH, READY_PATH, METRICS_PATH)


class ServiceApp(FastAPI):
    """A FastAPI app whose OpenAPI document describes errors as they are served (problem+json), including
    those every route answers before its code runs (bad body or parameters, authentication, permission)."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            document = super().openapi()
            document_route_problems(document, self.routes)
            document_problems(document)
        return super().openapi()


def create_app(
    *,
    settings: ServiceSettings,
    title: str,
    version: str,
    routers: Sequence[APIRouter],
    readiness_checks: Sequence[ReadinessCheck],
    metrics: ServiceMetrics,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    tracer_provider: TracerProvider | None = None,
    middleware: Sequence[Middleware] = (),
    docs_ui: bool = True,
) -> FastAPI:
    """A FastAPI app with problem+json errors, request ids, metrics, access logs, probes and (given a
    provider) tracing. `middleware` (e.g. CORS) runs inside ours, so it sees the request id and is counted.
    `docs_ui=False` leaves `/docs` to the service (the gateway serves the merged document's UI there)."""
    development = settings.is_development
    app = ServiceApp(
        title=title,
        version=version,
        lifespan=lifespan,
        debug=False,
        docs_url="/docs" if development and docs_ui else None,
        redoc_url=None,
        # Any route: an unexpected error (500); the database down or its pool exhausted (503).
        responses=problem_responses(500, 503),
        # One tracing mechanism: the OpenTelemetry instrumentor below, not FastAPI's built-in one, which
        # would otherwise switch itself on whenever a global provider is set.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        middleware=[
            Middleware(RequestContextMiddleware, metrics=metrics, quiet_paths=OPERATIONAL_PATHS),
            Middleware(BodySizeLimitMiddleware, max_body_bytes=settings.http.max_body_bytes),
            *middleware,
        ],
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(health_router(readiness_checks))
    app.include_router(metrics_router(metrics))
    for router in routers:
        app.include_router(router)
    if tracer_provider is not None:
        instrument_fastapi(app, tracer_provider, untraced_paths=OPERATIONAL_PATHS)
    return app
