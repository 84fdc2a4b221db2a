from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from nocturna_auth.bootstrap import AuthService
from nocturna_auth.settings import AuthSettings, PasswordHashingSettings
from nocturna_platform.testing.serving import serving

PASSWORD = "correct horse battery staple"


@dataclass
class AuthHarness:
    service: AuthService
    client: httpx.AsyncClient

    async def register(self, email: str | None = None, password: str = PASSWORD) -> dict[str, object]:
        response = await self.client.post(
            "/api/v1/auth/register", json={"email": email or unique_email(), "password": password}
        )
        assert response.status_code == 201, response.text
        body: dict[str, object] = response.json()
        return body

    async def password_grant(self, email: str, password: str = PASSWORD, **headers: str) -> httpx.Response:
        return await self.client.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": email, "password": password},
            headers=headers,
        )


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture(scope="session")
async def auth(test_env: dict[str, str]) -> AsyncIterator[AuthHarness]:
    """One auth service for the whole run, on the run's database, exchange and Redis prefix."""
    settings = AuthSettings(password_hashing=PasswordHashingSettings(time_cost=1, memory_cost_kib=8192))
    service = AuthService(settings)
    async with serving(service, base_url="http://auth.test") as client:
        yield AuthHarness(service, client)
