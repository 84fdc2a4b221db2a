from __future__ import annotations

import logging

import pytest

from services.auth.tests.conftest import PASSWORD, AuthHarness, unique_email

NEW_PASSWORD = "a brand new passphrase"


async def test_the_credential_flows_log_no_password_token_or_link(
    auth: AuthHarness, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.INFO)
    capsys.readouterr()
    email = unique_email()

    await auth.register(email)
    await auth.register(email, "someone else's passphrase")
    verification = await auth.mailbox.token(email, "verify_email")
    await auth.client.post("/api/v1/auth/verify-email", json={"token": verification})
    for _ in range(2):
        await auth.password_grant(email, "a wrong password")
    access = await auth.access_token(email)
    await auth.client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={"Authorization": f"Bearer {access}"},
    )
    await auth.client.post("/api/v1/auth/password/forgot", json={"email": email})
    reset = await auth.mailbox.token(email, "password_reset")
    await auth.client.post("/api/v1/auth/password/reset", json={"token": reset, "new_password": PASSWORD})
    await auth.mailbox.wait_for(email, "password_changed", count=2)

    logged = capsys.readouterr().out + caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    assert logged  # the flow did log something
    for secret in (
        PASSWORD,
        NEW_PASSWORD,
        "someone else's passphrase",
        "a wrong password",
        access,
        verification,
        reset,
    ):
        assert secret not in logged
    assert "token=" not in logged
