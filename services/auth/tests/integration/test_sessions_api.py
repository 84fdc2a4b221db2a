"""The sessions API: list, revoke one, revoke the others, log out; revoked tokens stop working at once."""

from __future__ import annotations

from uuid import UUID

import pytest
from nocturna_contracts.auth.v1 import SessionRevoked
from nocturna_platform.testing.plugin import TestRun

from services.auth.tests.conftest import AuthHarness
from services.auth.tests.integration.flows import SignedIn, bearer, execute, listening, refresh, sign_in

pytestmark = pytest.mark.integration

SESSIONS = "/api/v1/auth/sessions"
ME = "/api/v1/auth/me"


async def _devices(auth: AuthHarness, count: int) -> list[SignedIn]:
    first = await sign_in(auth, **{"User-Agent": "device/0"})
    return [first] + [
        await sign_in(auth, first.email, **{"User-Agent": f"device/{n}"}) for n in range(1, count)
    ]


async def _session_ids(auth: AuthHarness, who: SignedIn) -> list[str]:
    response = await auth.client.get(SESSIONS, headers=who.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_the_list_shows_the_callers_sessions_and_marks_the_current_one(auth: AuthHarness) -> None:
    first, second = await _devices(auth, 2)
    await sign_in(auth)  # somebody else

    response = await auth.client.get(SESSIONS, headers=second.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert [(item["id"], item["current"], item["user_agent"]) for item in body["items"]] == [
        (str(second.session_id), True, "device/1"),
        (str(first.session_id), False, "device/0"),
    ]
    assert {"ip", "created_at", "last_used_at", "expires_at"} <= set(body["items"][0])


async def test_the_list_pages_with_a_cursor(auth: AuthHarness) -> None:
    devices = await _devices(auth, 3)
    newest_first = [str(device.session_id) for device in reversed(devices)]

    first = (await auth.client.get(SESSIONS, params={"limit": 2}, headers=devices[0].headers)).json()
    rest = await auth.client.get(
        SESSIONS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=devices[0].headers
    )

    assert [item["id"] for item in first["items"] + rest.json()["items"]] == newest_first
    assert rest.json()["next_cursor"] is None
    bad = await auth.client.get(SESSIONS, params={"cursor": "!!"}, headers=devices[0].headers)
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_error")


async def test_revoking_a_session_ends_its_tokens_at_once(auth: AuthHarness, test_run: TestRun) -> None:
    lost, kept = await _devices(auth, 2)

    async with listening(test_run, SessionRevoked.event_type) as revocations:
        response = await auth.client.delete(f"{SESSIONS}/{lost.session_id}", headers=kept.headers)
        assert response.status_code == 204
        envelope = await revocations.wait_for(session_id=str(lost.session_id))

    assert envelope["payload"]["reason"] == "revoked"
    assert (await auth.client.get(ME, headers=lost.headers)).status_code == 401
    assert (await refresh(auth.client, lost.refresh_token)).json()["error"] == "invalid_grant"
    assert (await auth.client.get(ME, headers=kept.headers)).status_code == 200
    assert await _session_ids(auth, kept) == [str(kept.session_id)]


async def test_a_user_can_neither_see_nor_revoke_another_users_session(auth: AuthHarness) -> None:
    victim = await sign_in(auth)
    intruder = await sign_in(auth)

    assert str(victim.session_id) not in await _session_ids(auth, intruder)
    for session_id in (victim.session_id, UUID(int=12345)):
        response = await auth.client.delete(f"{SESSIONS}/{session_id}", headers=intruder.headers)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
    assert (await auth.client.get(ME, headers=victim.headers)).status_code == 200


async def test_revoking_all_others_keeps_the_current_session(auth: AuthHarness) -> None:
    current, *others = await _devices(auth, 3)
    bystander = await sign_in(auth)

    response = await auth.client.delete(SESSIONS, headers=current.headers)

    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    assert await _session_ids(auth, current) == [str(current.session_id)]
    for other in others:
        assert (await auth.client.get(ME, headers=other.headers)).status_code == 401
    assert (await auth.client.get(ME, headers=bystander.headers)).status_code == 200


async def test_logout_ends_the_current_session(auth: AuthHarness) -> None:
    current, other = await _devices(auth, 2)

    response = await auth.client.post("/api/v1/auth/logout", headers=current.headers)

    assert response.status_code == 204
    assert (await auth.client.get(ME, headers=current.headers)).status_code == 401
    assert (await refresh(auth.client, current.refresh_token)).json()["error"] == "invalid_grant"
    assert (await auth.client.get(ME, headers=other.headers)).status_code == 200
    [(reason,)] = await execute(
        auth, "SELECT revoke_reason FROM auth.sessions WHERE id = :id", id=current.session_id
    )
    assert reason == "logout"


async def test_logout_with_the_refresh_token_alone(auth: AuthHarness) -> None:
    signed_in = await sign_in(auth)

    response = await auth.client.post("/api/v1/auth/logout", json={"refresh_token": signed_in.refresh_token})

    assert response.status_code == 204
    assert (await auth.client.get(ME, headers=signed_in.headers)).status_code == 401


async def test_logout_with_an_expired_access_token_still_uses_the_refresh_token(auth: AuthHarness) -> None:
    signed_in = await sign_in(auth)

    response = await auth.client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": signed_in.refresh_token},
        headers=bearer("not-a-valid-token"),
    )

    assert response.status_code == 204
    assert (await refresh(auth.client, signed_in.refresh_token)).json()["error"] == "invalid_grant"


async def test_logout_needs_a_token(auth: AuthHarness) -> None:
    response = await auth.client.post("/api/v1/auth/logout")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_sessions_api_needs_authentication(auth: AuthHarness) -> None:
    for method, path in (("GET", SESSIONS), ("DELETE", SESSIONS), ("DELETE", f"{SESSIONS}/{UUID(int=1)}")):
        response = await auth.client.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
