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


async def _refused_within(gateway: Gateway, headers: dict[str, str]) -> float:
    """Seconds until the gateway answers 401 to these credentials (fails after `WITHIN_SECONDS`)."""
    started = time.monotonic()
    while time.monotonic() - started < WITHIN_SECONDS:
        response = await gateway.client.get(CHARTS, headers=headers)
        if response.status_code == 401:
            return time.monotonic() - started
        assert response.status_code == 200, response.text
        await asyncio.sleep(0.05)
    raise AssertionError(f"still accepted {WITHIN_SECONDS}s after revocation")


async def test_a_protected_route_without_credentials_is_refused_before_any_upstream(gateway: Gateway) -> None:
    seen_before = len(gateway.upstream.seen)

    response = await gateway.client.get(f"{CHARTS}/{uuid.uuid4()}")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["request_id"]
    assert len(gateway.upstream.seen) == seen_before


async def test_public_routes_pass_anonymously(gateway: Gateway) -> None:
    assert (await gateway.client.get("/.well-known/jwks.json")).status_code == 200
    assert (await gateway.client.get("/api/v1/plans")).status_code == 200


async def test_a_valid_token_passes_with_its_authorization_header_unchanged(gateway: Gateway) -> None:
    token = await gateway.sign_in(await gateway.new_user())

    me = await gateway.client.get("/api/v1/auth/me", headers=bearer(token))
    charts = await gateway.client.get(CHARTS, headers=bearer(token))

    assert me.status_code == 200
    assert charts.status_code == 200
    assert charts.json()["headers"]["authorization"] == f"Bearer {token}"


async def test_a_forged_token_is_refused(gateway: Gateway) -> None:
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

    assert (await gateway.client.get(CHARTS, headers=bearer(forged))).status_code == 401


async def test_a_revoked_session_is_refused_within_seconds(gateway: Gateway) -> None:
    email = await gateway.new_user()
    revoked, other = await gateway.sign_in(email), await gateway.sign_in(email)
    assert (await gateway.client.get(CHARTS, headers=bearer(revoked))).status_code == 200

    response = await gateway.client.delete(
        f"/api/v1/auth/sessions/{claims(revoked)['sid']}", headers=bearer(other)
    )
    assert response.status_code == 204

    await _refused_within(gateway, bearer(revoked))
    assert (await gateway.client.get(CHARTS, headers=bearer(other))).status_code == 200


async def test_an_api_key_works_until_it_is_revoked(gateway: Gateway) -> None:
    admin = bearer(await gateway.sign_in(gateway.auth.admin_email))
    created = await gateway.client.post(
        "/api/v1/auth/api-keys", json={"name": "partner", "scopes": ["charts:read"]}, headers=admin
    )
    assert created.status_code == 201, created.text
    key = {"X-API-Key": created.json()["key"]}

    for _ in range(3):  # the first resolution is cached for the next ones
        response = await gateway.client.get(CHARTS, headers=key)
        assert response.status_code == 200
        assert "x-api-key" not in response.json()["headers"]
    scheme, _, exchanged = response.json()["headers"]["authorization"].partition(" ")
    principal = await gateway.service.edge.verifier.verify(exchanged)  # as chart would verify it
    assert (scheme, principal.session_id, principal.roles, principal.scopes) == (
        "Bearer",
        None,
        {"user"},
        {"charts:read"},
    )
    assert (await gateway.client.get("/api/v1/auth/me", headers=key)).status_code == 403
    assert (await gateway.client.post(CHARTS, headers=key, json={})).json()["code"] == "insufficient_scope"

    revoked = await gateway.client.delete(f"/api/v1/auth/api-keys/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 204

    await _refused_within(gateway, key)


async def test_an_unknown_api_key_is_refused(gateway: Gateway) -> None:
    response = await gateway.client.get(CHARTS, headers={"X-API-Key": "nct_live_zzzzzzzz_" + "Q" * 43})

    assert response.status_code == 401


async def test_an_unknown_kid_refreshes_the_key_set_once(gateway: Gateway) -> None:
    email = await gateway.new_user()
    assert (await gateway.client.get(CHARTS, headers=bearer(await gateway.sign_in(email)))).status_code == 200
    await asyncio.sleep(1.1)  # past the gateway's minimum interval between refreshes
    fetches = gateway.upstream.jwks_fetches

    await asyncio.to_thread(gateway.auth.command, "rotate-signing-keys")
    rotated = await gateway.sign_in(email)

    assert (await gateway.client.get(CHARTS, headers=bearer(rotated))).status_code == 200
    assert gateway.upstream.jwks_fetches == fetches + 1
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
    answers = await asyncio.gather(*(gateway.client.get(CHARTS, headers=bearer(t)) for t in unknown_kids))
    assert [a.status_code for a in answers] == [401] * 5
    assert gateway.upstream.jwks_fetches == fetches + 1  # a flood of unknown kids does not hammer auth


async def test_the_gateway_is_ready_with_its_broker(gateway: Gateway) -> None:
    response = await gateway.client.get("/health/ready")

    assert response.status_code == 200, response.text
    assert response.json()["checks"]["broker"] == "ok"
