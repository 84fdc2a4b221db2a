"""Verifying the email at auth opens paid checkout at subscription (through `auth.user.email_verified.v1`)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.e2e.clients import eventually_ok, password_grant, register, verification_token
from tests.e2e.fleet import Fleet

pytestmark = pytest.mark.e2e


async def test_verifying_the_email_opens_paid_checkout(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=10) as client:
        email = await register(client, "eve")
        access = await password_grant(client, email)
        headers = {"Authorization": f"Bearer {access}"}
        await eventually_ok(client, "/api/v1/subscriptions/me", access)
        refused = await client.post(
            "/api/v1/subscriptions/me/checkout", json={"plan": "pro"}, headers=headers
        )

        verified = await client.post(
            "/api/v1/auth/verify-email", json={"token": await verification_token(fleet.mailbox, email)}
        )
        async with asyncio.timeout(15):
            while True:
                opened = await client.post(
                    "/api/v1/subscriptions/me/checkout", json={"plan": "pro"}, headers=headers
                )
                if opened.status_code != 403:
                    break
                await asyncio.sleep(0.1)

    assert (refused.status_code, refused.json()["code"]) == (403, "email_not_verified")
    assert verified.status_code == 204, verified.text
    assert opened.status_code == 201, opened.text
