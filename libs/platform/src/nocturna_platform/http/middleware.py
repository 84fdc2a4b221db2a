"""Pure ASGI middleware on every request's hot path: request id, access log, HTTP metrics, the last-resort
500, and the request body limit."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Collection
from time import perf_counter

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nocturna_platform.http.metrics import UNMATCHED_ROUTE, ServiceMetrics
from nocturna_platform.http.problems import (
    ProblemResponse,
    http_problem,
    internal_error_problem,
    log_unexpected,
    problem_from_exception,
)
from nocturna_platform.ids import uuid7
from nocturna_platform.observability.context import request_scope

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = b"x-request-id"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_CLIENT_CLOSED_REQUEST = 499

_access_logger = logging.getLogger("nocturna.http.access")


class RequestContextMiddleware:
    """Outermost of ours: binds the request id (a sane incoming `X-Request-ID` or a new UUIDv7) and echoes it,
    counts and times the request by route template, writes one access line, and turns an escaped exception
    into a 500 problem. `quiet_paths` (probes, scrapes) are logged at DEBUG only."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics, quiet_paths: Collection[str] = ()) -> None:
        self.app = app
        self._metrics = metrics
        self._quiet_paths = frozenset(quiet_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or str(uuid7())
        request_id_header = (_REQUEST_ID_KEY, request_id.encode("ascii"))
        status = 0

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    header for header in message.get("headers", ()) if header[0].lower() != _REQUEST_ID_KEY
                ]
                headers.append(request_id_header)
                message["headers"] = headers
            await send(message)

        started = perf_counter()
        self._metrics.request_started()
        with request_scope(request_id):
            try:
                await self.app(scope, receive, send_with_request_id)
            except asyncio.CancelledError:
                status = status or _CLIENT_CLOSED_REQUEST
                raise
            except Exception as exc:
                # Expected errors reach here when raised by middleware outside FastAPI's exception handling.
                problem = problem_from_exception(exc)
                if problem is None:
                    log_unexpected(exc, method=scope["method"], path=scope["path"])
                if status:
                    raise  # the response has begun: only the server can end it, by closing the connection
                response = ProblemResponse(problem or internal_error_problem(), instance=scope["path"])
                await response(scope, receive, send_with_request_id)
            finally:
                # No response and no exception: the server answers 500 itself.
                self._finish(scope, status or 500, perf_counter() - started)

    def _finish(self, scope: Scope, status: int, duration_seconds: float) -> None:
        method: str = scope["method"]
        route = route_template(scope)
        self._metrics.request_finished(
            method=method, route=route, status=status, duration_seconds=duration_seconds
        )
        path: str = scope["path"]
        level = logging.DEBUG if path in self._quiet_paths else logging.INFO
        if _access_logger.isEnabledFor(level):
            _access_logger.log(
                level,
                "%s %s %d",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "route": route,
                    "path": path,
                    "status": status,
                    "duration_ms": round(duration_seconds * 1000, 2),
                },
            )


def _incoming_request_id(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == _REQUEST_ID_KEY:
            candidate = value.decode("latin-1")
            return candidate if _SANE_REQUEST_ID.fullmatch(candidate) else None
    return None


def route_template(scope: Scope) -> str:
    """The matched route's template (`/api/v1/charts/{chart_id}`), or UNMATCHED_ROUTE; never the raw path."""
    route = scope.get("route")
    if route is None:
        return UNMATCHED_ROUTE
    # FastAPI (>= 0.137) keeps routes of included routers un-prefixed and puts the full template on the
    # effective route context it records in the scope.
    fastapi_scope = scope.get("fastapi")
    if isinstance(fastapi_scope, dict):
        context = fastapi_scope.get("effective_route_context")
        if context is not None and getattr(context, "original_route", None) is route:
            template = getattr(context, "path_format", None)
            if isinstance(template, str):
                return template
    template = getattr(route, "path_format", None)
    return template if isinstance(template, str) else UNMATCHED_ROUTE


class ContentTooLarge(HTTPException):
    """Raised from `receive` once a streamed body passes the limit; as an HTTPException, FastAPI's body
    reading lets it through to the problem handlers."""

    def __init__(self, max_body_bytes: int) -> None:
        super().__init__(413, f"The request body exceeds the limit of {max_body_bytes} bytes.")


class BodySizeLimitMiddleware:
    """413 for a body over `max_body_bytes`: at once from Content-Length, or while a chunked body streams."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self._max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None:
            if declared > self._max_body_bytes:
                await self._reject(scope, receive, send)
                return
            # The server holds the client to its Content-Length, so there is nothing left to count.
            await self.app(scope, receive, send)
            return

        received = 0
        response_started = False

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_body_bytes:
                    raise ContentTooLarge(self._max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_within_limit, tracking_send)
        except ContentTooLarge:
            if response_started:
                raise
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        exc = ContentTooLarge(self._max_body_bytes)
        response = ProblemResponse(http_problem(exc.status_code, exc.detail), instance=scope["path"])
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
