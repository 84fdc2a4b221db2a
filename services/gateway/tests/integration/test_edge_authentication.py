"""Edge authentication against the real auth service: tokens, revocations through the broker, API keys."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import pytest
from nocturna_platform.clock import utc_now
from nocturna_platform.security import SigningKey, issue_access_token

from services.gateway.tests.integration.conftest import ISSUER, Gateway, bearer, claims

pytestmark = pytest.mark.integration

CHARTS = "/api/v1/charts"
WITHIN_SECONDS = 5.0


async def _refused_within(edge_gateway: Gateway, headers: dict[str, str]) -> float:
    """Seconds until the gateway answers 401 to these credentials (fails after `WITHIN_SECONDS`)."""
    started = time.monotonic()
    while time.monotonic() - started < WITHIN_SECONDS:
        response = await edge_gateway.client.get(CHARTS, headers=headers)
        if response.status_code == 401:
            return time.monotonic() - started
        assert response.status_code == 200, response.text
        await asyncio.sleep(0.05)
    raise AssertionError(f"still accepted {WITHIN_SECONDS}s after revocation")


async def test_a_protected_route_without_credentials_is_refused_before_any_upstream(
    edge_gateway: Gateway,
) -> None:
    seen_before = len(edge_gateway.upstream.seen)

    response = await edge_gateway.client.get(f"{CHARTS}/{uuid.uuid4()}")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["request_id"]
    assert len(edge_gateway.upstream.seen) == seen_before


async def test_public_routes_pass_anonymously(edge_gateway: Gateway) -> None:
    assert (await edge_gateway.client.get("/.well-known/jwks.json")).status_code == 200
    assert (await edge_gateway.client.get("/api/v1/plans")).status_code == 200


async def test_a_valid_token_passes_with_its_authorization_header_unchanged(edge_gateway: Gateway) -> None:
    token = await edge_gateway.sign_in(await edge_gateway.new_user())

    me = await edge_gateway.client.get("/api/v1/auth/me", headers=bearer(token))
    charts = await edge_gateway.client.get(CHARTS, headers=bearer(token))

    assert me.status_code == 200
    assert charts.status_code == 200
    assert charts.json()["headers"]["authorization"] == f"Bearer {token}"


async def test_a_forged_token_is_refused(edge_gateway: Gateway) -> None:
    forged = issue_access_token(
        SigningKey.generate(),
        issuer=ISSUER,
        audience="nocturna",
        subject=uuid.uuid4(),
        session_id=uuid.uuid4(),
        roles=["admin"],
        scopes=[],
        ttl=timedelta(minutes=5),
        now=utc_now(),
        token_id="forged",
    )

    assert (await edge_gateway.client.get(CHARTS, headers=bearer(forged))).status_code == 401


async def test_a_revoked_session_is_refused_within_seconds(edge_gateway: Gateway) -> None:
    email = await edge_gateway.new_user()
    revoked, other = await edge_gateway.sign_in(email), await edge_gateway.sign_in(email)
    assert (await edge_gateway.client.get(CHARTS, headers=bearer(revoked))).status_code == 200

    response = await edge_gateway.client.delete(
        f"/api/v1/auth/sessions/{claims(revoked)['sid']}", headers=bearer(other)
    )
    assert response.status_code == 204

    await _refused_within(edge_gateway, bearer(revoked))
    assert (await edge_gateway.client.get(CHARTS, headers=bearer(other))).status_code == 200


async def test_an_api_key_works_until_it_is_revoked(edge_gateway: Gateway) -> None:
    admin = bearer(await edge_gateway.sign_in(edge_gateway.auth.admin_email))
    created = await edge_gateway.client.post(
        "/api/v1/auth/api-keys", json={"name": "partner", "scopes": ["charts:read"]}, headers=admin
    )
    assert created.status_code == 201, created.text
    key = {"X-API-Key": created.json()["key"]}

    for _ in range(3):  # the first resolution is cached for the next ones
        response = await edge_gateway.client.get(CHARTS, headers=key)
        assert response.status_code == 200
        assert "x-api-key" not in response.json()["headers"]
    scheme, _, exchanged = response.json()["headers"]["authorization"].partition(" ")
    principal = await edge_gateway.service.edge.verifier.verify(exchanged)  # as chart would verify it
    assert (scheme, principal.session_id, principal.roles, principal.scopes) == (
        "Bearer",
        None,
        {"user"},
        {"charts:read"},
    )
    assert (await edge_gateway.client.get("/api/v1/auth/me", headers=key)).status_code == 403
    assert (await edge_gateway.client.post(CHARTS, headers=key, json={})).json()[
        "code"
    ] == "insufficient_scope"

    revoked = await edge_gateway.client.delete(f"/api/v1/auth/api-keys/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 204

    await _refused_within(edge_gateway, key)


async def test_an_unknown_api_key_is_refused(edge_gateway: Gateway) -> None:
    response = await edge_gateway.client.get(CHARTS, headers={"X-API-Key": "nct_live_zzzzzzzz_" + "Q" * 43})

    assert response.status_code == 401


async def test_an_unknown_kid_refreshes_the_key_set_once(edge_gateway: Gateway) -> None:
    email = await edge_gateway.new_user()
    assert (
        await edge_gateway.client.get(CHARTS, headers=bearer(await edge_gateway.sign_in(email)))
    ).status_code == 200
    await asyncio.sleep(1.1)  # past the gateway's minimum interval between refreshes
    fetches = edge_gateway.upstream.jwks_fetches

    await asyncio.to_thread(edge_gateway.auth.command, "rotate-signing-keys")
    rotated = await edge_gateway.sign_in(email)

    assert (await edge_gateway.client.get(CHARTS, headers=bearer(rotated))).status_code == 200
    assert edge_gateway.upstream.jwks_fetches == fetches + 1
    unknown_kids = [
        issue_access_token(
            SigningKey.generate(),
            issuer=ISSUER,
            audience="nocturna",
            subject=uuid.uuid4(),
            session_id=None,
            roles=["user"],
            scopes=[],
            ttl=timedelta(minutes=5),
            now=utc_now(),
            token_id=uuid.uuid4().hex,
        )
        for _ in range(5)
    ]
    answers = await asyncio.gather(
        *(edge_gateway.client.get(CHARTS, headers=bearer(t)) for t in unknown_kids)
    )
    assert [a.status_code for a in answers] == [401] * 5
    assert edge_gateway.upstream.jwks_fetches == fetches + 1  # a flood of unknown kids does not hammer auth


async def test_the_gateway_is_ready_with_its_broker(edge_gateway: Gateway) -> None:
    response = await edge_gateway.client.get("/health/ready")

    assert response.status_code == 200, response.text
    assert response.json()["checks"]["broker"] == "ok"
