"""Wrong current passwords on change-password and account deletion count like failed sign-ins."""

from __future__ import annotations

import httpx
import pytest

from services.auth.tests.conftest import PASSWORD, AuthHarness, unique_email
from services.auth.tests.integration.test_login_lockout import new_ip, throttled

pytestmark = pytest.mark.integration
__all__ = ["throttled"]

NEW_PASSWORD = "a brand new passphrase"


async def _signed_in(harness: AuthHarness) -> tuple[str, dict[str, str]]:
    email = unique_email()
    await harness.register(email)
    token = await harness.access_token(email, **{"X-Forwarded-For": new_ip()})
    return email, {"Authorization": f"Bearer {token}", "X-Forwarded-For": new_ip()}


async def _change(harness: AuthHarness, headers: dict[str, str], current: str) -> httpx.Response:
    return await harness.client.post(
        "/api/v1/auth/password",
        json={"current_password": current, "new_password": NEW_PASSWORD},
        headers=headers,
    )


async def _delete(harness: AuthHarness, headers: dict[str, str], password: str) -> httpx.Response:
    return await harness.client.request(
        "DELETE", "/api/v1/auth/me", json={"password": password}, headers=headers
    )


async def test_wrong_current_passwords_lock_the_account_for_changes_and_sign_ins(
    throttled: AuthHarness,
) -> None:
    email, headers = await _signed_in(throttled)

    statuses = [(await _change(throttled, headers, "wrong password!")).status_code for _ in range(3)]
    locked = await _change(throttled, headers, PASSWORD)
    sign_in = await throttled.password_grant(email, PASSWORD, **{"X-Forwarded-For": new_ip()})

    assert statuses == [400, 400, 429]
    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert locked.json()["code"] == "too_many_attempts"
    assert locked.headers["retry-after"] == "1"
    assert sign_in.status_code == 429


async def test_wrong_passwords_lock_account_deletion_and_the_account_survives(throttled: AuthHarness) -> None:
    _, headers = await _signed_in(throttled)

    statuses = [(await _delete(throttled, headers, "wrong password!")).status_code for _ in range(3)]
    locked = await _delete(throttled, headers, PASSWORD)

    assert statuses == [403, 403, 429]
    assert (locked.status_code, locked.headers["retry-after"]) == (429, "1")
    assert locked.json()["code"] == "too_many_attempts"
    me = await throttled.client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200


async def test_failed_sign_ins_lock_password_changes_too(throttled: AuthHarness) -> None:
    email, headers = await _signed_in(throttled)
    for _ in range(3):
        await throttled.password_grant(email, "wrong password!", **{"X-Forwarded-For": new_ip()})

    response = await _change(throttled, headers, PASSWORD)

    assert response.status_code == 429
