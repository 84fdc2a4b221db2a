from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

MAX_BODY_BYTES = 2048  # as configured by conftest's app


async def test_a_sane_incoming_request_id_is_kept_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/whoami", headers={"X-Request-ID": "edge-1234.abc_DEF"})

    assert response.headers["x-request-id"] == "edge-1234.abc_DEF"
    assert response.json()["request_id"] == "edge-1234.abc_DEF"


async def test_a_missing_request_id_is_generated_as_a_uuid7(client: httpx.AsyncClient) -> None:
    first = await client.get("/whoami")
    second = await client.get("/whoami")

    generated = uuid.UUID(first.headers["x-request-id"])
    assert generated.version == 7
    assert first.json()["request_id"] == first.headers["x-request-id"]
    assert second.headers["x-request-id"] != first.headers["x-request-id"]


@pytest.mark.parametrize(
    "unsafe",
    ["a" * 129, "has space", "new\\nline", "<script>", "semi;colon", "ünïcode"],
)
async def test_an_unsafe_request_id_is_replaced(client: httpx.AsyncClient, unsafe: str) -> None:
    response = await client.get("/api/v1/charts/1", headers={b"X-Request-ID": unsafe.encode("utf-8")})

    echoed = response.headers["x-request-id"]
    assert echoed != unsafe
    assert uuid.UUID(echoed).version == 7


async def test_a_128_character_request_id_is_accepted(client: httpx.AsyncClient) -> None:
    request_id = "r" * 128

    response = await client.get("/api/v1/charts/1", headers={"X-Request-ID": request_id})

    assert response.headers["x-request-id"] == request_id


async def test_the_request_id_is_echoed_on_errors_and_not_leaked_between_requests(
    client: httpx.AsyncClient,
) -> None:
    not_found = await client.get("/missing", headers={"X-Request-ID": "req-404"})
    boom = await client.get("/boom", headers={"X-Request-ID": "req-500"})
    after = await client.get("/whoami")

    assert not_found.headers["x-request-id"] == "req-404"
    assert not_found.json()["request_id"] == "req-404"
    assert boom.headers["x-request-id"] == "req-500"
    assert boom.json()["request_id"] == "req-500"
    assert after.json()["request_id"] not in ("req-404", "req-500")


async def test_a_body_declared_over_the_limit_is_refused_with_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=b"x" * (MAX_BODY_BYTES + 1))

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "content_too_large"
    assert str(MAX_BODY_BYTES) in body["detail"]
    assert response.headers["x-request-id"] == body["request_id"]


async def test_a_body_at_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=b"x" * MAX_BODY_BYTES)

    assert response.status_code == 200
    assert response.json() == {"received": MAX_BODY_BYTES}


async def _chunks(total: int, size: int = 512) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        chunk = b"y" * min(size, total - sent)
        sent += len(chunk)
        yield chunk


async def test_a_chunked_body_growing_over_the_limit_is_refused_with_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=_chunks(MAX_BODY_BYTES * 4))

    assert response.status_code == 413
    assert response.json()["code"] == "content_too_large"


async def test_a_chunked_body_within_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=_chunks(MAX_BODY_BYTES))

    assert response.status_code == 200
    assert response.json() == {"received": MAX_BODY_BYTES}


async def test_a_chunked_json_body_over_the_limit_is_refused_before_validation(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/charts",
        content=_chunks(MAX_BODY_BYTES * 2),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 413


async def test_one_access_line_per_request_with_route_template_status_and_duration(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="nocturna.http.access"):
        await client.get("/api/v1/charts/42", headers={"X-Request-ID": "req-log"})
        await client.get("/health/live")

    [line] = [record for record in caplog.records if record.name == "nocturna.http.access"]
    assert line.getMessage() == "GET /api/v1/charts/42 200"
    assert line.__dict__["method"] == "GET"
    assert line.__dict__["route"] == "/api/v1/charts/{chart_id}"
    assert line.__dict__["status"] == 200
    assert line.__dict__["duration_ms"] >= 0


async def test_probe_requests_are_logged_at_debug_only(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="nocturna.http.access"):
        await client.get("/health/live")

    [line] = [record for record in caplog.records if record.name == "nocturna.http.access"]
    assert line.levelno == logging.DEBUG
