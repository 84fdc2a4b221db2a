from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from nocturna_platform.capacity import AtCapacity
from nocturna_platform.http.openapi import document_problems
from nocturna_platform.security.dependencies import CurrentPrincipal, require_permission
from sqlalchemy.exc import TimeoutError as PoolTimeout

PROBLEM_JSON = "application/problem+json"


def _errors_by_field(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {error["field"]: error for error in body["errors"]}


async def test_validation_errors_name_each_field_by_dotted_path_and_location(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/charts?limit=many",
        json={"birth": {"latitude": 91, "longitude": 0}, "items": [{"name": "a"}, {}]},
        headers={"X-Client": "x"},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["status"] == 422
    assert body["instance"] == "/api/v1/charts"
    errors = _errors_by_field(body)
    assert set(errors) == {"birth.latitude", "items.1.name", "limit", "x-client"}
    assert errors["birth.latitude"]["location"] == "body"
    assert errors["birth.latitude"]["code"] == "less_than_equal"
    assert errors["items.1.name"] == {
        "field": "items.1.name",
        "message": "Field required",
        "code": "missing",
        "location": "body",
    }
    assert errors["limit"]["location"] == "query"
    assert errors["x-client"]["location"] == "header"


async def test_path_parameter_errors_are_located_in_the_path(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/charts/not-a-number")

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"], error["code"]) == ("chart_id", "path", "int_parsing")


async def test_validation_errors_do_not_echo_the_input(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/charts", json={"birth": {"latitude": "secret-birth-place", "longitude": 0}}
    )

    assert response.status_code == 422
    assert "secret-birth-place" not in response.text


async def test_malformed_json_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/charts", content=b'{"birth": {', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["code"] == "malformed_body"
    assert body["errors"] == []


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["code"] == "not_found"
    assert body["type"] == "https://docs.nocturna.app/problems/not_found"
    assert body["instance"] == "/api/v1/nothing-here"


async def test_wrong_method_is_a_405_problem_listing_the_allowed_ones(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/charts/1")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.headers["allow"] == "GET"


async def test_problem_raised_in_a_route_is_rendered_with_its_code_errors_headers_and_extensions(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/charts/7/conflict")

    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == "3"
    body = response.json()
    assert body == {
        "type": "https://docs.nocturna.app/problems/chart_locked",
        "title": "Chart is locked",
        "status": 409,
        "detail": "Another calculation is running.",
        "instance": "/api/v1/charts/7/conflict",
        "code": "chart_locked",
        "errors": [{"field": "chart_id", "message": "locked", "code": "locked", "location": "path"}],
        "request_id": response.headers["x-request-id"],
        "chart_id": 7,
    }


async def test_unhandled_exception_is_a_generic_500_and_the_traceback_goes_to_the_log(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="nocturna.http"):
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["request_id"] == response.headers["x-request-id"]
    for leak in ("RuntimeError", "hunter2", "postgresql", "Traceback", "boom"):
        assert leak not in body["detail"]
        assert leak not in response.text.replace("/boom", "")
    [record] = [record for record in caplog.records if record.name == "nocturna.http"]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


async def test_openapi_documents_errors_as_problem_details(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    assert {"ProblemDetail", "ProblemFieldError"} <= set(document["components"]["schemas"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    responses = document["paths"]["/api/v1/charts"]["post"]["responses"]
    for status in ("409", "422", "500"):
        assert responses[status]["content"] == {
            PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
        }
    assert "422" not in document["paths"]["/whoami"]["get"]["responses"]
    assert not {"/health/live", "/health/ready", "/metrics"} & set(document["paths"])


def test_fastapis_default_validation_schema_is_replaced_even_without_declared_problems() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def get_item(item_id: int) -> None:
        return None

    document = app.openapi()
    document_problems(document)

    assert document["paths"]["/items/{item_id}"]["get"]["responses"]["422"]["content"] == {
        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
    }
    schemas = document["components"]["schemas"]
    assert set(schemas) == {"ProblemDetail", "ProblemFieldError"}
    assert schemas["ProblemDetail"]["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/ProblemFieldError"
    }


async def test_an_exhausted_database_pool_is_a_503_to_retry_not_a_500(make_app: Any) -> None:
    app = make_app()

    async def busy() -> None:
        raise PoolTimeout(
            "QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 5.00"
        )

    app.add_api_route("/busy", busy)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/busy")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "overloaded"
    assert "QueuePool" not in response.text


async def test_a_full_queue_is_a_503_to_retry_not_a_500(make_app: Any) -> None:
    app = make_app()

    async def shedding() -> None:
        raise AtCapacity("password hashing")

    app.add_api_route("/shedding", shedding)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/shedding")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "overloaded"
    assert "password hashing" not in response.text


def test_openapi_documents_the_problems_a_route_answers_before_its_code_runs(make_app: Any) -> None:
    """Found by fuzzing through the gateway: malformed JSON (400), too large (413), unauthenticated (401),
    forbidden (403) and database outages (503) were answered but not documented."""
    router = APIRouter()

    @router.get("/api/v1/secrets")
    async def secrets(_: CurrentPrincipal) -> None:
        return None

    @router.post("/api/v1/admin/things", dependencies=[Depends(require_permission("admin"))])
    async def admin_things() -> None:
        return None

    app = make_app()
    app.include_router(router)
    paths = app.openapi()["paths"]

    def documented(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    assert {"400", "413", "422", "500", "503"} <= documented("/api/v1/charts", "post")
    assert "401" not in documented("/api/v1/charts", "post")
    assert documented("/api/v1/charts/{chart_id}", "get") == {"200", "422", "500", "503"}
    assert documented("/api/v1/secrets", "get") == {"200", "401", "500", "503"}
    assert documented("/api/v1/admin/things", "post") == {"200", "401", "403", "500", "503"}
    assert paths["/api/v1/secrets"]["get"]["responses"]["401"]["content"] == {
        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}
    }
