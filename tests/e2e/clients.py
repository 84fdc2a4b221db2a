"""Small client helpers that keep the end-to-end journeys readable: sign in, wait for a projection."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

PASSWORD = "correct horse battery"
NATAL: dict[str, Any] = {
    "name": "Ada",
    "birth": {
        "date": "1990-01-15",
        "time": "14:30",
        "latitude": 40.7128,
        "longitude": -74.006,
        "timezone": "America/New_York",
    },
}


async def register(client: httpx.AsyncClient, prefix: str = "user") -> str:
    """A new account's email (unverified)."""
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
    registered = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert registered.status_code == 201, registered.text
    return email


async def password_grant(client: httpx.AsyncClient, email: str) -> str:
    token = await client.post(
        "/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
    )
    assert token.status_code == 200, token.text
    access: str = token.json()["access_token"]
    return access


async def sign_in(client: httpx.AsyncClient, prefix: str = "user") -> str:
    """A new account's access token."""
    return await password_grant(client, await register(client, prefix))


async def eventually_ok(
    client: httpx.AsyncClient, url: str, token: str, timeout: float = 15
) -> httpx.Response:
    """The first answer that is not a 404: projections fed by events arrive a moment after the action."""
    async with asyncio.timeout(timeout):
        while True:
            response = await client.get(url, headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 404:
                return response
            await asyncio.sleep(0.1)
