"""Refresh-token rotation over HTTP: concurrent refreshes in the grace window, reuse detection after it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from nocturna_auth.bootstrap import AuthService
from nocturna_auth.settings import TokenIssuingSettings
from nocturna_contracts.auth.v1 import SessionRevoked
from nocturna_platform.testing.plugin import TestRun
from nocturna_platform.testing.serving import serving

from services.auth.tests.conftest import AuthHarness, Mailbox, service_settings
from services.auth.tests.integration.flows import bearer, execute, listening, refresh, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def no_grace(test_env: dict[str, str], mailbox: Mailbox) -> AsyncIterator[AuthHarness]:
    """An auth service without a reuse grace window: any second use of a refresh token is a reuse."""
    settings = service_settings(mailbox, issuing=TokenIssuingSettings(refresh_token_reuse_grace_seconds=0))
    service = AuthService(settings)
    async with serving(service, base_url="http://auth.test") as client:
        yield AuthHarness(service, client, mailbox)


async def test_concurrent_refreshes_with_one_token_all_get_the_same_new_pair(auth: AuthHarness) -> None:
    signed_in = await sign_in(auth)

    responses = await asyncio.gather(*(refresh(auth.client, signed_in.refresh_token) for _ in range(5)))

    assert [response.status_code for response in responses] == [200] * 5, [r.text for r in responses]
    pairs = {(r.json()["access_token"], r.json()["refresh_token"]) for r in responses}
    assert len(pairs) == 1
    [(access_token, refresh_token)] = pairs
    [(revoked_at,)] = await execute(
        auth, "SELECT revoked_at FROM auth.sessions WHERE id = :id", id=signed_in.session_id
    )
    assert revoked_at is None
    assert (await auth.client.get("/api/v1/auth/me", headers=bearer(access_token))).status_code == 200
    assert (await refresh(auth.client, refresh_token)).status_code == 200


async def test_reusing_a_rotated_token_revokes_the_session_and_announces_it(
    no_grace: AuthHarness, test_run: TestRun
) -> None:
    signed_in = await sign_in(no_grace)
    rotated = await refresh(no_grace.client, signed_in.refresh_token)
    assert rotated.status_code == 200
    current = rotated.json()

    async with listening(test_run, SessionRevoked.event_type) as revocations:
        reused = await refresh(no_grace.client, signed_in.refresh_token)

        assert reused.status_code == 400
        assert reused.json()["error"] == "invalid_grant"
        envelope = await revocations.wait_for(session_id=str(signed_in.session_id))
    assert envelope["payload"]["reason"] == "refresh_token_reuse"
    assert envelope["payload"]["user_id"] == str(signed_in.user_id)
    [(reason,)] = await execute(
        no_grace, "SELECT revoke_reason FROM auth.sessions WHERE id = :id", id=signed_in.session_id
    )
    assert reason == "refresh_token_reuse"
    assert (await refresh(no_grace.client, current["refresh_token"])).json()["error"] == "invalid_grant"
    for token in (signed_in.access_token, current["access_token"]):
        assert (await no_grace.client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 401


async def test_a_refresh_token_of_a_disabled_account_is_refused(auth: AuthHarness) -> None:
    signed_in = await sign_in(auth)
    await execute(auth, "UPDATE auth.users SET disabled_at = now() WHERE id = :id", id=signed_in.user_id)

    response = await refresh(auth.client, signed_in.refresh_token)

    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


async def test_only_a_digest_of_the_refresh_token_is_stored(auth: AuthHarness) -> None:
    signed_in = await sign_in(auth)

    rows = await execute(
        auth,
        "SELECT digest, successor FROM auth.refresh_tokens WHERE session_id = :id",
        id=signed_in.session_id,
    )

    [(digest, successor)] = rows
    assert signed_in.refresh_token.encode() not in bytes(digest)
    assert len(bytes(digest)) == 32
    assert successor is None
