from __future__ import annotations

from typing import Any

from nocturna_gateway.api_docs.openapi_merge import merge_openapi

PLACE_CHART = {"type": "object", "properties": {"latitude": {"type": "number"}}}
PLACE_GEO = {"type": "object", "properties": {"name": {"type": "string"}}}
PROBLEM = {"type": "object", "properties": {"code": {"type": "string"}}}
PREFIXES = {"chart": "/api/v1/charts", "geocoding": "/api/v1/geo", "auth": "/api/v1/auth"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def operation(schema: dict[str, Any], operation_id: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "responses": {
            "200": {"content": {"application/json": {"schema": schema}}},
            "404": {"content": {"application/problem+json": {"schema": ref("ProblemDetail")}}},
        },
    }


def document(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {}, "paths": paths, "components": {"schemas": schemas}}


def serves(service: str, path: str) -> bool:
    return path.startswith(PREFIXES[service])


def merge(documents: dict[str, Any]) -> dict[str, Any]:
    return merge_openapi(documents, serves, title="Nocturna API", version="1.0.0")


def test_paths_of_every_service_are_kept_and_unrouted_ones_dropped() -> None:
    merged = merge(
        {
            "chart": document(
                {
                    "/api/v1/charts": {"get": operation(ref("ProblemDetail"), "list")},
                    "/internal/x": {"get": {}},
                },
                {"ProblemDetail": PROBLEM},
            ),
            "geocoding": document(
                {"/api/v1/geo/places": {"get": operation(ref("ProblemDetail"), "search")}}, {}
            ),
        }
    )
    assert set(merged["paths"]) == {"/api/v1/charts", "/api/v1/geo/places"}
    assert merged["info"] == {"title": "Nocturna API", "version": "1.0.0"}


def test_identical_schemas_are_kept_once_and_conflicting_ones_renamed_with_refs_rewritten() -> None:
    merged = merge(
        {
            "chart": document(
                {"/api/v1/charts": {"post": operation(ref("Place"), "create_chart")}},
                {"Place": PLACE_CHART, "ProblemDetail": PROBLEM},
            ),
            "geocoding": document(
                {
                    "/api/v1/geo/places": {
                        "get": operation({"type": "array", "items": ref("Place")}, "search")
                    }
                },
                {"Place": PLACE_GEO, "ProblemDetail": PROBLEM},
            ),
        }
    )
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"Place", "geocoding.Place", "ProblemDetail"}, (
        "a tie: the first service keeps the name"
    )
    assert schemas["Place"] == PLACE_CHART
    assert schemas["geocoding.Place"] == PLACE_GEO
    chart_answer = merged["paths"]["/api/v1/charts"]["post"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert chart_answer["schema"] == ref("Place")
    geo_answer = merged["paths"]["/api/v1/geo/places"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]
    assert geo_answer["schema"]["items"] == ref("geocoding.Place")
    problem = merged["paths"]["/api/v1/charts"]["post"]["responses"]["404"]["content"]
    assert problem["application/problem+json"]["schema"] == ref("ProblemDetail")


def test_schemas_alike_in_text_but_referring_to_conflicting_ones_are_renamed_too() -> None:
    wrapper = {"type": "object", "properties": {"place": ref("Place")}}
    merged = merge(
        {
            "chart": document(
                {"/api/v1/charts": {"get": operation(ref("Wrapper"), "a")}},
                {"Place": PLACE_CHART, "Wrapper": wrapper},
            ),
            "geocoding": document(
                {"/api/v1/geo/x": {"get": operation(ref("Wrapper"), "b")}},
                {"Place": PLACE_GEO, "Wrapper": wrapper},
            ),
        }
    )
    schemas = merged["components"]["schemas"]
    assert schemas["Wrapper"]["properties"]["place"] == ref("Place")
    assert schemas["Place"] == PLACE_CHART
    assert schemas["geocoding.Wrapper"]["properties"]["place"] == ref("geocoding.Place")
    assert schemas["geocoding.Place"] == PLACE_GEO


def test_the_version_most_services_share_keeps_the_name() -> None:
    documents = {
        service: document(
            {f"{PREFIXES[service]}/p": {"get": operation(ref("Place"), service)}}, {"Place": place}
        )
        for service, place in (("auth", PLACE_GEO), ("chart", PLACE_CHART), ("geocoding", PLACE_GEO))
    }
    schemas = merge(documents)["components"]["schemas"]
    assert schemas == {"Place": PLACE_GEO, "chart.Place": PLACE_CHART}


def test_a_duplicate_operation_id_is_prefixed_with_the_service() -> None:
    merged = merge(
        {
            "auth": document({"/api/v1/auth/me": {"get": operation({}, "read")}}, {}),
            "chart": document({"/api/v1/charts": {"get": operation({}, "read")}}, {}),
        }
    )
    assert merged["paths"]["/api/v1/auth/me"]["get"]["operationId"] == "read"
    assert merged["paths"]["/api/v1/charts"]["get"]["operationId"] == "chart_read"


def test_the_inputs_are_left_untouched() -> None:
    chart = document({"/api/v1/charts": {"get": operation(ref("Place"), "a")}}, {"Place": PLACE_CHART})
    geo = document({"/api/v1/geo/x": {"get": operation(ref("Place"), "b")}}, {"Place": PLACE_GEO})
    merge({"chart": chart, "geocoding": geo})
    assert chart["paths"]["/api/v1/charts"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] == ref("Place")
