"""The merged document names what the gateway itself answers (found by fuzzing through the gateway: 401 of
protected routes and the edge's 429/413/5xx were served but undocumented)."""

from __future__ import annotations

from typing import Any

from nocturna_gateway.api_docs.edge_answers import document_edge_answers
from nocturna_gateway.edge.public_routes import PublicRoutes

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}}


def merged() -> dict[str, Any]:
    return {
        "paths": {
            "/api/v1/plans": {"get": {"responses": {"200": {}}}},
            "/api/v1/charts/{chart_id}": {
                "patch": {"requestBody": {}, "responses": {"200": {}, "503": {"description": "own"}}},
                "parameters": [],
            },
        },
        "components": {"schemas": {"ProblemDetail": {"type": "object"}}},
    }


def test_every_operation_gets_the_edges_answers_and_protected_ones_401() -> None:
    document = merged()

    document_edge_answers(document, PublicRoutes.of().needs_credential)

    plans = document["paths"]["/api/v1/plans"]["get"]["responses"]
    chart = document["paths"]["/api/v1/charts/{chart_id}"]["patch"]["responses"]
    assert set(plans) == {"200", "429", "502", "503", "504"}
    assert set(chart) == {"200", "401", "413", "429", "502", "503", "504"}
    assert chart["401"]["content"] == PROBLEM
    assert chart["503"] == {"description": "own"}  # a service's own description is kept


def test_nothing_is_added_before_any_service_document_defines_problems() -> None:
    document = merged()
    document["components"]["schemas"] = {}

    document_edge_answers(document, PublicRoutes.of().needs_credential)

    assert set(document["paths"]["/api/v1/plans"]["get"]["responses"]) == {"200"}
