from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest

from services.gateway.tests.conftest import ALLOWED_ORIGIN, MAX_BODY_BYTES, GatewayHarness

pytestmark = pytest.mark.integration

ECHO = "/api/v1/plans/echo"


def caller(gateway: GatewayHarness) -> dict[str, str]:
    return gateway.auth.bearer()


def anonymous() -> dict[str, str]:
    return {"x-forwarded-for": f"192.0.2.{uuid4().int % 250 + 1}"}


def assert_security_headers(headers: dict[str, str] | object, *, docs: bool = False) -> None:
    assert headers["x-content-type-options"] == "nosniff"  # type: ignore[index]
    assert headers["x-frame-options"] == "DENY"  # type: ignore[index]
    assert headers["referrer-policy"] == "no-referrer"  # type: ignore[index]
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"  # type: ignore[index]
    csp = headers["content-security-policy"]  # type: ignore[index]
    assert "frame-ancestors 'none'" in csp
    if docs:
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    else:
        assert csp.startswith("default-src 'none'")
        assert "script-src" not in csp


async def test_security_headers_are_on_proxied_answers_errors_and_the_gateways_own(
    gateway: GatewayHarness,
) -> None:
    proxied = await gateway.client.get(ECHO, headers=caller(gateway))
    not_found = await gateway.client.get("/nowhere", headers=anonymous())
    too_large = await gateway.client.post(ECHO, content=b"x" * (MAX_BODY_BYTES + 1), headers=caller(gateway))
    for answer in (proxied, not_found, too_large):
        assert_security_headers(answer.headers)
    assert proxied.headers["x-request-id"]


async def test_paths_and_queries_travel_upstream_as_the_client_encoded_them(gateway: GatewayHarness) -> None:
    """Found by fuzzing: a path segment with an encoded control character (`%0B`) was decoded, then refused
    by httpx when the upstream URL was built: a 500 instead of the upstream's answer."""
    answer = await gateway.client.get(f"{ECHO}/a%0B%C3%A4b?q=%0A%26x", headers=caller(gateway))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "segment": "a\x0bäb",
        "raw_path": f"{ECHO}/a%0B%C3%A4b",
        "query": "q=%0A%26x",
    }


async def test_docs_get_a_csp_that_lets_swagger_ui_load_its_own_assets(gateway: GatewayHarness) -> None:
    page = await gateway.client.get("/docs", headers=anonymous())
    assert page.status_code == 200
    assert_security_headers(page.headers, docs=True)
    assert "<script>" not in page.text, "no inline script: the CSP forbids it"
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/docs/init.js"):
        answer = await gateway.client.get(asset, headers=anonymous())
        assert answer.status_code == 200, asset
        assert asset.rsplit("/", 1)[1] in page.text
    assert "SwaggerUIBundle" in (await gateway.client.get("/docs/init.js", headers=anonymous())).text
    assert (
        await gateway.client.get("/docs/assets/swagger-editor.js", headers=anonymous())
    ).status_code == 404


async def test_cors_preflight_from_an_allowed_origin(gateway: GatewayHarness) -> None:
    answer = await gateway.client.options(
        ECHO,
        headers={
            "origin": ALLOWED_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
            **anonymous(),
        },
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert "authorization" in answer.headers["access-control-allow-headers"].lower()
    assert_security_headers(answer.headers)


async def test_cors_refuses_other_origins_and_exposes_rate_limit_and_request_id_headers(
    gateway: GatewayHarness,
) -> None:
    refused = await gateway.client.options(
        ECHO, headers={"origin": "https://evil.test", "access-control-request-method": "GET", **anonymous()}
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers

    simple = await gateway.client.get(ECHO, headers={"origin": ALLOWED_ORIGIN, **caller(gateway)})
    exposed = {name.strip().lower() for name in simple.headers["access-control-expose-headers"].split(",")}
    assert {
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
        "x-request-id",
    } <= exposed


async def test_a_body_over_the_limit_is_a_413_problem_declared_or_chunked(gateway: GatewayHarness) -> None:
    hits = gateway.upstreams["subscription"].app.state.hits
    declared = await gateway.client.post(ECHO, content=b"x" * (MAX_BODY_BYTES + 1), headers=caller(gateway))
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert gateway.upstreams["subscription"].app.state.hits == hits, "refused before reaching the upstream"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"y" * 1024

    chunked = await gateway.client.post(ECHO, content=chunks(), headers=caller(gateway))
    assert chunked.status_code == 413
    assert chunked.json()["code"] == "content_too_large"

    within = await gateway.client.post(ECHO, content=b"z" * MAX_BODY_BYTES, headers=caller(gateway))
    assert within.status_code == 200
    assert within.json() == {"bytes": MAX_BODY_BYTES}


async def test_the_upstream_learns_the_client_address_the_trusted_proxy_named_and_nothing_forged(
    gateway: GatewayHarness,
) -> None:
    # The harness's peer (127.0.0.1) is a trusted proxy, as an ingress would be: its rightmost untrusted
    # hop is the client; what the client itself wrote to the left of it never reaches the upstream.
    answer = await gateway.client.get(ECHO, headers={"x-forwarded-for": "10.9.9.9, 203.0.113.9"})
    assert answer.status_code == 200
    assert answer.json()["forwarded_for"] == "203.0.113.9"
    direct = await gateway.client.get(ECHO)
    assert direct.json()["forwarded_for"] == "127.0.0.1"
