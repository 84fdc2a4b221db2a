from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from nocturna_auth.bootstrap import AuthService
from nocturna_auth.settings import (
    AccountTokenSettings,
    AuthSettings,
    EmailSettings,
    LoginThrottleSettings,
    PasswordHashingSettings,
)
from nocturna_platform.testing.serving import serving

PASSWORD = "correct horse battery staple"
_TOKEN_IN_LINK = re.compile(r"[?&]token=([A-Za-z0-9_\-]+)")


@dataclass
class Mailbox:
    """The JSON-lines file the console mail adapter writes: every auth service of the run shares it, because
    any of their dispatchers may send any queued mail."""

    path: Path

    def messages(self, to: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        lines = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]
        return [m for m in lines if (to is None or m["to"] == to) and (kind is None or m["kind"] == kind)]

    async def wait_for(
        self, to: str, kind: str, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The first `count` messages of this kind to this address, once they arrived."""
        deadline = time.monotonic() + timeout
        while len(found := self.messages(to, kind)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"no {kind} mail #{count} to {to} within {timeout}s")
            await asyncio.sleep(0.02)
        return found[:count]

    async def token(self, to: str, kind: str, number: int = 1) -> str:
        """The secret in the link of the `number`-th mail of this kind to this address."""
        message = (await self.wait_for(to, kind, number))[number - 1]
        match = _TOKEN_IN_LINK.search(message["body"])
        assert match is not None, "the mail holds no link with a token"
        return match.group(1)


@dataclass
class AuthHarness:
    service: AuthService
    client: httpx.AsyncClient
    mailbox: Mailbox

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

    async def access_token(self, email: str, password: str = PASSWORD, **headers: str) -> str:
        response = await self.password_grant(email, password, **headers)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture(scope="session")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> Mailbox:
    return Mailbox(tmp_path_factory.mktemp("mail") / "outgoing.jsonl")


def service_settings(mailbox: Mailbox, **overrides: Any) -> AuthSettings:
    """Fast hashing, mail to the shared mailbox file, prompt mail dispatch, no mail cool-down (unit tests
    cover it); `overrides` replace whole groups."""
    values: dict[str, Any] = {
        "password_hashing": PasswordHashingSettings(time_cost=1, memory_cost_kib=8192),
        "email": EmailSettings(
            file_path=mailbox.path, link_base_url="https://app.test", poll_interval_seconds=0.05
        ),
        "account_tokens": AccountTokenSettings(mail_cooldown_seconds=0, reset_request_min_seconds=0.1),
        # Every test's requests come from one test client address: only per-account lockouts here.
        "login_throttle": LoginThrottleSettings(ip_threshold=1_000_000),
    }
    values.update(overrides)
    return AuthSettings(**values)


@pytest.fixture(scope="session")
async def auth(test_env: dict[str, str], mailbox: Mailbox) -> AsyncIterator[AuthHarness]:
    """One auth service for the whole run, on the run's database, exchange and Redis prefix."""
    service = AuthService(service_settings(mailbox))
    async with serving(service, base_url="http://auth.test") as client:
        yield AuthHarness(service, client, mailbox)
