"""Shared setup: signing keys, a JWKS served by a tiny ASGI app (no network), a controllable clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from joserfc import jwt
from nocturna_platform.security import InvalidToken, JwksCache, SigningKey, TokenVerifier, issue_access_token
from nocturna_platform.settings import TokenVerificationSettings

JWKS_URL = "http://auth.test/.well-known/jwks.json"
ISSUER = "https://auth.test"
AUDIENCE = "nocturna"
START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

Rejection = Callable[..., Awaitable[str]]
"""`await rejection(token, by=...)`: why a verifier (the `verifier` fixture by default) refuses `token`."""


@dataclass
class FakeClock:
    """Wall-clock and monotonic time that only move when a test says so."""

    current: datetime = START

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return (self.current - START).total_seconds()

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@dataclass
class FakeJwksServer:
    """The auth service's JWKS endpoint: serves `keys`, counts requests, answers 500 while `failing`."""

    keys: list[SigningKey] = field(default_factory=list)
    failing: bool = False
    requests: int = 0

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        assert scope["type"] == "http"
        self.requests += 1
        await asyncio.sleep(0.01)  # lets concurrent callers pile up behind an in-flight fetch
        status = 500 if self.failing else 200
        body = json.dumps({"keys": [key.public_jwk() for key in self.keys]}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def settings() -> TokenVerificationSettings:
    return TokenVerificationSettings(
        jwks_url=JWKS_URL,
        issuer=ISSUER,
        audience=AUDIENCE,
        jwks_cache_seconds=300,
        jwks_min_refresh_seconds=10,
        leeway_seconds=30,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def signing_key() -> SigningKey:
    return SigningKey.generate(kid="key-1")


@pytest.fixture
def jwks_server(signing_key: SigningKey) -> FakeJwksServer:
    return FakeJwksServer(keys=[signing_key])


@pytest.fixture
async def jwks_http(jwks_server: FakeJwksServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=jwks_server)) as client:
        yield client


@pytest.fixture
def jwks(settings: TokenVerificationSettings, jwks_http: httpx.AsyncClient, clock: FakeClock) -> JwksCache:
    return JwksCache(settings, jwks_http, monotonic=clock.monotonic)


@pytest.fixture
def verifier(settings: TokenVerificationSettings, jwks: JwksCache, clock: FakeClock) -> TokenVerifier:
    return TokenVerifier(settings, jwks, clock=clock.now)


@pytest.fixture
def rejection(verifier: TokenVerifier) -> Rejection:
    async def rejection(token: str, by: TokenVerifier | None = None) -> str:
        with pytest.raises(InvalidToken) as caught:
            await (by or verifier).verify(token)
        return caught.value.reason

    return rejection


@pytest.fixture
def user_id() -> UUID:
    return UUID("01937a6e-0000-7000-8000-000000000001")


@pytest.fixture
def issue(signing_key: SigningKey, clock: FakeClock, user_id: UUID) -> Callable[..., str]:
    """Issues a valid access token; keyword arguments override `issue_access_token`'s."""

    def issue(**overrides: Any) -> str:
        arguments: dict[str, Any] = {
            "issuer": ISSUER,
            "audience": AUDIENCE,
            "subject": user_id,
            "session_id": uuid4(),
            "roles": ["user"],
            "scopes": ["openid"],
            "ttl": timedelta(minutes=15),
            "now": clock.now(),
            "token_id": str(uuid4()),
        }
        arguments.update(overrides)
        key = arguments.pop("key", signing_key)
        return issue_access_token(key, **arguments)

    return issue


@pytest.fixture
def sign_claims(signing_key: SigningKey, clock: FakeClock, user_id: UUID) -> Callable[..., str]:
    """Signs arbitrary claims (valid ones minus `drop`, plus `extra`) with the published key."""

    def sign_claims(*, drop: tuple[str, ...] = (), header: dict[str, Any] | None = None, **extra: Any) -> str:
        issued_at = int(clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "roles": ["user"],
            "scope": "",
            "jti": "token-1",
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + 900,
        }
        claims.update(extra)
        for name in drop:
            del claims[name]
        token_header = header or {"alg": "ES256", "kid": signing_key.kid}
        return str(jwt.encode(token_header, claims, signing_key.key, algorithms=["ES256"]))

    return sign_claims
