"""RFC 9457 problem details: the one error shape every service answers with."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nocturna_platform.capacity import AtCapacity
from nocturna_platform.db.outages import is_database_outage, is_unstorable_text
from nocturna_platform.observability.context import current_request_id

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://docs.nocturna.app/problems/"

_logger = logging.getLogger("nocturna.http")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    code: str = "invalid"
    location: str = "body"


@dataclass
class Problem(Exception):
    """Raised above the domain to answer with a problem+json response; `code` is stable for clients."""

    status: int
    code: str
    title: str
    detail: str | None = None
    errors: Sequence[FieldError] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    extensions: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)

    @property
    def type(self) -> str:
        return PROBLEM_TYPE_BASE + self.code


class ProblemFieldError(BaseModel):
    field: str = Field(description="Dotted path inside its location, list indices as numbers: `items.0.id`.")
    message: str
    code: str = Field(description="Stable machine-readable reason, e.g. `missing`, `greater_than_equal`.")
    location: str = Field(description="`body`, `query`, `path`, `header` or `cookie`.")


class ProblemDetail(BaseModel):
    """The problem+json body (RFC 9457) as an OpenAPI schema; responses are built from `Problem`."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="Path of the request that failed.")
    code: str = Field(description="Stable machine-readable error code.")
    errors: list[ProblemFieldError] = Field(default_factory=list)
    request_id: str | None = Field(default=None, description="Quote it when reporting the error.")


def problem_document(problem: Problem, *, instance: str | None = None) -> dict[str, Any]:
    """The JSON body of `problem`; extensions never override the standard members."""
    document: dict[str, Any] = jsonable_encoder(dict(problem.extensions)) if problem.extensions else {}
    document.update(
        type=problem.type,
        title=problem.title,
        status=problem.status,
        detail=problem.detail,
        instance=instance,
        code=problem.code,
        errors=[
            {"field": error.field, "message": error.message, "code": error.code, "location": error.location}
            for error in problem.errors
        ],
        request_id=current_request_id(),
    )
    return document


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE

    def __init__(self, problem: Problem, *, instance: str | None = None) -> None:
        super().__init__(
            problem_document(problem, instance=instance),
            status_code=problem.status,
            headers=dict(problem.headers) or None,
        )


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "content_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_content",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def http_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def http_problem(status: int, detail: str | None = None, headers: Mapping[str, str] | None = None) -> Problem:
    """The problem for a bare HTTP status (router 404/405, body limit 413, …); the code derives from it."""
    title = http_title(status)
    code = _HTTP_CODES.get(status) or title.lower().replace(" ", "_").replace("-", "_")
    return Problem(
        status=status,
        code=code,
        title=title,
        detail=None if detail == title else detail,
        headers=dict(headers or {}),
    )


def internal_error_problem() -> Problem:
    """What a client sees of a bug: nothing but the request id to quote."""
    return Problem(
        status=500,
        code="internal_error",
        title="Internal Server Error",
        detail="An unexpected error occurred. Quote the request id when reporting it.",
    )


def overloaded_problem() -> Problem:
    """The database pool had no connection free within its timeout, or a bounded queue was full (`AtCapacity`):
    the service is at capacity, not broken."""
    return Problem(
        status=503,
        code="overloaded",
        title="Service Unavailable",
        detail="The service is at capacity; retry shortly.",
        headers={"Retry-After": "1"},
    )


def install_problem_handlers(app: Starlette) -> None:
    """Answer every error with problem+json: `Problem`, validation, malformed JSON, HTTP errors, an exhausted
    database pool (503), and bugs."""
    app.add_exception_handler(Problem, _handle_problem)
    app.add_exception_handler(PoolTimeout, _handle_pool_timeout)
    app.add_exception_handler(AtCapacity, _handle_at_capacity)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(HTTPException, _handle_http_exception)
    app.add_exception_handler(Exception, _handle_unexpected)


def problem_from_exception(exc: Exception) -> Problem | None:
    """The problem an expected exception stands for; None for a bug."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, RequestValidationError):
        return validation_problem(exc)
    if isinstance(exc, HTTPException):
        return _http_exception_problem(exc)
    if isinstance(exc, PoolTimeout | AtCapacity):
        return overloaded_problem()
    if is_database_outage(exc):
        _logger.warning("database unavailable: %s", exc.__class__.__name__)
        return database_unavailable_problem()
    if is_unstorable_text(exc):
        return Problem(
            status=422,
            code="invalid_text",
            title="Unprocessable Content",
            detail="The request carries text with a NUL character, which cannot be stored.",
        )
    return None


async def _handle_problem(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, Problem):
        raise exc
    return ProblemResponse(exc, instance=request.url.path)


async def _handle_pool_timeout(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, PoolTimeout):
        raise exc
    _logger.warning("database pool exhausted", extra={"method": request.method, "path": request.url.path})
    return ProblemResponse(overloaded_problem(), instance=request.url.path)


async def _handle_at_capacity(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, AtCapacity):
        raise exc
    _logger.warning("at capacity: %s", exc.what, extra={"method": request.method, "path": request.url.path})
    return ProblemResponse(overloaded_problem(), instance=request.url.path)


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, RequestValidationError):
        raise exc
    return ProblemResponse(validation_problem(exc), instance=request.url.path)


def validation_problem(exc: RequestValidationError) -> Problem:
    """422 with one entry per error; a body that is not JSON at all is a 400 instead."""
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return Problem(
            status=400,
            code="malformed_body",
            title="Malformed request body",
            detail="The request body is not valid JSON.",
        )
    return Problem(
        status=422,
        code="validation_error",
        title="Request validation failed",
        detail="The request has invalid fields; see `errors`.",
        errors=[_field_error(error) for error in errors],
    )


_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def _field_error(error: Mapping[str, Any]) -> FieldError:
    loc = tuple(error.get("loc") or ())
    if loc and loc[0] in _LOCATIONS:
        location, path = str(loc[0]), loc[1:]
    else:
        location, path = "body", loc
    return FieldError(
        field=".".join(str(part) for part in path),
        message=str(error.get("msg") or "Invalid value"),
        code=str(error.get("type") or "invalid"),
        location=location,
    )


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise exc
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return ProblemResponse(_http_exception_problem(exc), instance=request.url.path)


def _http_exception_problem(exc: HTTPException) -> Problem:
    return http_problem(exc.status_code, exc.detail if isinstance(exc.detail, str) else None, exc.headers)


async def _handle_unexpected(request: Request, exc: Exception) -> Response:
    problem = problem_from_exception(exc)
    if problem is None:
        log_unexpected(exc, method=request.method, path=request.url.path)
    return ProblemResponse(problem or internal_error_problem(), instance=request.url.path)


def database_unavailable_problem() -> Problem:
    return Problem(
        status=503,
        code="database_unavailable",
        title="Service Unavailable",
        detail="The database cannot be reached right now; retry shortly.",
        headers={"Retry-After": "1"},
    )


def log_unexpected(exc: BaseException, *, method: str, path: str) -> None:
    _logger.error("unhandled exception", exc_info=exc, extra={"method": method, "path": path})
