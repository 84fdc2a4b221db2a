from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

import httpx
import pytest
from nocturna_chart.bootstrap import ChartService
from nocturna_chart.settings import ChartSettings
from nocturna_platform.clock import utc_now
from nocturna_platform.security import SigningKey, TokenVerifier, issue_access_token
from nocturna_platform.security.jwks import StaticKeySet
from nocturna_platform.testing.serving import serving


@dataclass
class ChartHarness:
    service: ChartService
    client: httpx.AsyncClient
    key: SigningKey
    settings: ChartSettings

    def headers(self, user: UUID) -> dict[str, str]:
        token = issue_access_token(
            self.key,
            issuer=self.settings.tokens.issuer,
            audience=self.settings.tokens.audience,
            subject=user,
            session_id=uuid4(),
            roles=["user"],
            scopes=[],
            ttl=timedelta(minutes=15),
            now=utc_now(),
            token_id=uuid4().hex,
        )
        return {"authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
async def chart(test_env: dict[str, str]) -> AsyncIterator[ChartHarness]:
    """One chart service for the run, on the run's database and exchange, trusting a test signing key."""
    settings = ChartSettings()
    service = ChartService(settings)
    key = SigningKey.generate()
    async with serving(service, base_url="http://chart.test") as client:
        service.app.state.token_verifier = TokenVerifier(
            settings.tokens, StaticKeySet.from_signing_keys(key), utc_now
        )
        yield ChartHarness(service, client, key, settings)
