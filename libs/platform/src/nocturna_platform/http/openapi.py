"""OpenAPI that tells the truth about errors: every problem documented as application/problem+json with the
ProblemDetail schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

from nocturna_platform.http.problems import PROBLEM_MEDIA_TYPE, ProblemDetail, http_title

Call = TypeVar("Call", bound=Callable[..., Any])
_ANSWERS = "__nocturna_problem_statuses__"

# Every route that reads a body can answer these before it runs: not JSON (400), larger than
# `HTTP__MAX_BODY_BYTES` (413), invalid (422).
BODY_STATUSES = (400, 413, 422)
# A route with path, query, header or cookie parameters answers 422 for invalid ones.
PARAMETER_STATUSES = (422,)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries declaring problem+json answers, e.g. `responses=problem_responses(404, 409)`."""
    return {status: {"model": ProblemDetail, "description": http_title(status)} for status in statuses}


def answers_problems(*statuses: int) -> Callable[[Call], Call]:
    """Mark a dependency as answering these problem statuses, so every route using it documents them
    (e.g. authentication: 401)."""

    def mark(call: Call) -> Call:
        setattr(call, _ANSWERS, (*getattr(call, _ANSWERS, ()), *statuses))
        return call

    return mark


def route_problem_statuses(route: Dependant) -> set[int]:
    """The problems a route answers before its own code runs: from its body, parameters and dependencies."""
    statuses: set[int] = set()
    for part in _dependants(route):
        if part.body_params:
            statuses.update(BODY_STATUSES)
        if part.path_params or part.query_params or part.header_params or part.cookie_params:
            statuses.update(PARAMETER_STATUSES)
        statuses.update(getattr(part.call, _ANSWERS, ()))
    return statuses


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _dependants(dependency)


def document_route_problems(openapi: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """Add the problems each route answers before its code runs (`route_problem_statuses`) where the route
    did not declare them itself."""
    paths = openapi.get("paths", {})
    # Route contexts, not `routes` alone: FastAPI keeps included routers nested, with their prefixes.
    for route in iter_route_contexts(routes):
        original = route.original_route
        if not isinstance(original, APIRoute) or route.path_format not in paths:
            continue
        dependant: Dependant = getattr(route, "dependant", None) or original.dependant
        for method in route.methods or ():
            operation = paths[route.path_format].get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(route_problem_statuses(dependant)):
                responses.setdefault(
                    str(status),
                    {
                        "description": http_title(status),
                        "content": {
                            PROBLEM_MEDIA_TYPE: {"schema": {"$ref": _SCHEMAS + ProblemDetail.__name__}}
                        },
                    },
                )


_SCHEMAS = "#/components/schemas/"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def document_problems(openapi: dict[str, Any]) -> None:
    """Make an OpenAPI document say what is served: ProblemDetail bodies (FastAPI files every `model=`
    under application/json) as application/problem+json, and ProblemDetail instead of FastAPI's 422 schema."""
    problem_ref = _SCHEMAS + ProblemDetail.__name__
    replaced = {problem_ref, _SCHEMAS + _FASTAPI_VALIDATION_SCHEMAS[0]}
    referenced = False
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            for response in operation.get("responses", {}).values() if isinstance(operation, dict) else ():
                content = response.get("content", {})
                referenced = referenced or PROBLEM_MEDIA_TYPE in content
                body = content.get("application/json")
                if body is not None and body.get("schema", {}).get("$ref") in replaced:
                    del content["application/json"]
                    content[PROBLEM_MEDIA_TYPE] = {"schema": {"$ref": problem_ref}}
                    referenced = True
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    if referenced and ProblemDetail.__name__ not in schemas:
        document = ProblemDetail.model_json_schema(ref_template=_SCHEMAS + "{model}")
        schemas.update(document.pop("$defs", {}), **{ProblemDetail.__name__: document})
