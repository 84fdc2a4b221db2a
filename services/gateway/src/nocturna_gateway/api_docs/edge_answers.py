"""What the gateway itself may answer to any operation it routes, added to the merged OpenAPI document.

The services document their own answers; these come from the edge before or instead of the upstream's, so
only the gateway can document them: 401 for a protected route without a valid credential, 429 past the rate
limit (every `/api/` request is counted), 413 for a body over the limit, and 502/503/504 when the upstream
answers badly, is unreachable (or its breaker is open) or times out. All are problem+json.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from nocturna_gateway.api_docs.openapi_merge import HTTP_METHODS, Document

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_SCHEMA = "ProblemDetail"
ALWAYS = (429, 502, 503, 504)
WITH_BODY = (413,)
PROTECTED = (401,)


def document_edge_answers(document: Document, needs_credential: Callable[[str, str], bool]) -> None:
    """Add the edge's answers to each operation that does not document that status itself.
    `needs_credential(method, path)` tells the protected routes (the edge's public-route table)."""
    schemas = document.get("components", {}).get("schemas", {})
    if PROBLEM_SCHEMA not in schemas:
        return  # no service document yet: nothing to describe the problems with
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            statuses = [*ALWAYS]
            if "requestBody" in operation:
                statuses.extend(WITH_BODY)
            if needs_credential(method.upper(), path):
                statuses.extend(PROTECTED)
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(str(status), _problem(status))


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}}},
    }
