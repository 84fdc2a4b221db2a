"""OpenAPI that tells the truth about errors: every problem documented as application/problem+json with the
ProblemDetail schema."""

from __future__ import annotations

from typing import Any

from nocturna_platform.http.problems import PROBLEM_MEDIA_TYPE, ProblemDetail, http_title


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries declaring problem+json answers, e.g. `responses=problem_responses(404, 409)`."""
    return {status: {"model": ProblemDetail, "description": http_title(status)} for status in statuses}


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
