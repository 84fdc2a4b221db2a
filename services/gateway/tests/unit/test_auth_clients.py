"""The service-token source and the introspection client against a stand-in of auth's HTTP answers."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from nocturna_gateway.edge.introspection import HttpApiKeyIntrospection, IntrospectionUnavailable
from nocturna_gateway.edge.service_token import ClientCredentialsTokens, ServiceTokenError

from services.gateway.tests.conftest import API_KEY

AUTH = "http://auth.test"


class FakeAuth:
    """Issues `token-1`, `token-2`, … (valid for `lifetime` s) and introspects with the newest token only."""

    def __init__(self, lifetime: int = 900) -> None:
        self.lifetime = lifetime
        self.issued = 0
        self.introspections = 0
        self.active: dict[str, dict[str, object]] = {}
        self.fail_introspection = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/token":
            form = dict(httpx.QueryParams(request.content.decode()))
            if form != {"grant_type": "client_credentials", "client_id": "gw", "client_secret": "s3cret"}:
                return httpx.Response(401, json={"error": "invalid_client"})
            self.issued += 1
            return httpx.Response(
                200, json={"access_token": f"token-{self.issued}", "expires_in": self.lifetime}
            )
        self.introspections += 1
        if request.headers["authorization"] != f"Bearer token-{self.issued}":
            return httpx.Response(401, json={"code": "unauthenticated"})
        if self.fail_introspection:
            return httpx.Response(500)
        body = json.loads(request.content)
        answer = self.active.get(body["key"], {"active": False})
        if answer["active"] and body.get("issue_token"):
            answer = {**answer, "access_token": f"exchanged-{body['key'][:17]}", "expires_in": 900}
        return httpx.Response(200, json=answer)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def clients(
    auth: FakeAuth, clock: Clock, secret: str = "s3cret"
) -> tuple[ClientCredentialsTokens, HttpApiKeyIntrospection]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(auth.handle))
    tokens = ClientCredentialsTokens(http, AUTH, "gw", secret, monotonic=clock)
    return tokens, HttpApiKeyIntrospection(http, AUTH, tokens)


async def test_the_service_token_is_reused_until_shortly_before_it_expires() -> None:
    auth, clock = FakeAuth(lifetime=900), Clock()
    tokens, _ = clients(auth, clock)

    assert [await tokens.token() for _ in range(3)] == ["token-1"] * 3
    clock.now += 900 - 60
    assert await tokens.token() == "token-2"


async def test_refused_client_credentials_are_an_error() -> None:
    tokens, _ = clients(FakeAuth(), Clock(), secret="wrong")

    with pytest.raises(ServiceTokenError):
        await tokens.token()


async def test_a_token_endpoint_answering_garbage_is_an_error() -> None:
    http = httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, text="<html>"))
    )
    tokens = ClientCredentialsTokens(http, AUTH, "gw", "s3cret")

    with pytest.raises(ServiceTokenError):
        await tokens.token()


async def test_an_active_key_becomes_a_grant() -> None:
    auth = FakeAuth()
    user, key_id = uuid.uuid4(), uuid.uuid4()
    auth.active[API_KEY] = {
        "active": True,
        "sub": str(user),
        "api_key_id": str(key_id),
        "scopes": ["charts:read"],
        "roles": ["user"],
        "exp": 1_900_000_000,
    }
    _, introspection = clients(auth, Clock())

    grant = await introspection.introspect(API_KEY)

    assert grant is not None
    assert (grant.user_id, grant.api_key_id, grant.scopes, grant.roles) == (
        user,
        key_id,
        {"charts:read"},
        {"user"},
    )
    assert grant.expires_at is not None
    assert grant.expires_at.timestamp() == 1_900_000_000
    assert grant.upstream_token == "exchanged-nct_live_abcd1234"


async def test_an_inactive_key_is_none() -> None:
    _, introspection = clients(FakeAuth(), Clock())

    assert await introspection.introspect(API_KEY) is None


async def test_a_token_auth_no_longer_accepts_is_replaced_once() -> None:
    auth, clock = FakeAuth(), Clock()
    tokens, introspection = clients(auth, clock)
    await tokens.token()
    auth.issued += 1  # auth now only accepts a token the gateway does not hold yet

    assert await introspection.introspect(API_KEY) is None
    assert auth.issued == 3
    assert auth.introspections == 2


async def test_auth_failing_is_unavailable_not_inactive() -> None:
    auth = FakeAuth()
    auth.fail_introspection = True
    _, introspection = clients(auth, Clock())

    with pytest.raises(IntrospectionUnavailable):
        await introspection.introspect(API_KEY)
