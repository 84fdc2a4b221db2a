"""The token endpoint over HTTP: the three grants and their RFC 6749 errors."""

from __future__ import annotations

import base64
from uuid import UUID

import httpx
import pytest
from nocturna_auth.application.create_service_client import CreatedServiceClient, CreateServiceClient

from services.auth.tests.conftest import PASSWORD, AuthHarness
from services.auth.tests.integration.flows import TOKEN_PATH, bearer, execute, refresh, sign_in

pytestmark = pytest.mark.integration


async def _service_client(
    auth: AuthHarness, scopes: str = "charts:read profiles:read"
) -> CreatedServiceClient:
    return await auth.service.use_cases.create_service_client(CreateServiceClient("chart", scopes))


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def _oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


async def test_the_password_grant_returns_an_access_and_a_refresh_token(auth: AuthHarness) -> None:
    signed_in = await sign_in(auth)

    response = await auth.password_grant(signed_in.email)

    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    assert len(body["refresh_token"]) >= 43


async def test_a_refresh_returns_a_new_pair_for_the_same_session(auth: AuthHarness) -> None:
    signed_in = await sign_in(auth, **{"User-Agent": "app/1"})

    response = await auth.client.post(
        TOKEN_PATH,
        data={"grant_type": "refresh_token", "refresh_token": signed_in.refresh_token},
        headers={"User-Agent": "app/2"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["refresh_token"] != signed_in.refresh_token
    principal = await auth.service.app.state.token_verifier.verify(body["access_token"])
    assert principal.session_id == signed_in.session_id
    [(user_agent, last_used_at, created_at)] = await execute(
        auth,
        "SELECT user_agent, last_used_at, created_at FROM auth.sessions WHERE id = :id",
        id=signed_in.session_id,
    )
    assert user_agent == "app/2"
    assert last_used_at > created_at
    me = await auth.client.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({}, "invalid_request"),
        ({"grant_type": "password", "username": "someone@example.com"}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "never-issued"}, "invalid_grant"),
        ({"grant_type": "authorization_code", "code": "x"}, "unsupported_grant_type"),
    ],
)
async def test_bad_requests_get_rfc_6749_errors(auth: AuthHarness, form: dict[str, str], error: str) -> None:
    _oauth_error(await auth.client.post(TOKEN_PATH, data=form), 400, error)


async def test_a_refresh_cannot_widen_the_scope(auth: AuthHarness) -> None:
    signed_in = await sign_in(auth)

    _oauth_error(await refresh(auth.client, signed_in.refresh_token, scope="admin"), 400, "invalid_scope")


async def test_client_credentials_in_the_form_get_a_service_token(auth: AuthHarness) -> None:
    created = await _service_client(auth)

    response = await auth.client.post(
        TOKEN_PATH,
        data={
            "grant_type": "client_credentials",
            "client_id": str(created.client.id),
            "client_secret": created.secret,
            "scope": "charts:read",
        },
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert body["scope"] == "charts:read"
    principal = await auth.service.app.state.token_verifier.verify(body["access_token"])
    assert (principal.subject, principal.session_id, principal.roles, principal.scopes) == (
        created.client.id,
        None,
        {"service"},
        {"charts:read"},
    )


async def test_client_credentials_with_http_basic_get_every_allowed_scope(auth: AuthHarness) -> None:
    created = await _service_client(auth)

    response = await auth.client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers=_basic(str(created.client.id), created.secret),
    )

    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "charts:read profiles:read"


@pytest.mark.parametrize("how", ["wrong secret", "unknown client", "no credentials", "malformed basic"])
async def test_failed_client_authentication_is_a_401_with_a_basic_challenge(
    auth: AuthHarness, how: str
) -> None:
    created = await _service_client(auth)
    client_id = str(created.client.id) if how != "unknown client" else str(UUID(int=7))
    headers = {
        "wrong secret": _basic(client_id, "not the secret"),
        "unknown client": _basic(client_id, created.secret),
        "no credentials": {},
        "malformed basic": {"Authorization": "Basic %%%"},
    }[how]

    response = await auth.client.post(TOKEN_PATH, data={"grant_type": "client_credentials"}, headers=headers)

    _oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_two_client_authentication_methods_at_once_are_refused(auth: AuthHarness) -> None:
    created = await _service_client(auth)

    response = await auth.client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials", "client_id": str(created.client.id), "client_secret": "x"},
        headers=_basic(str(created.client.id), created.secret),
    )

    _oauth_error(response, 400, "invalid_request")


async def test_a_client_cannot_get_a_scope_it_was_not_allowed(auth: AuthHarness) -> None:
    created = await _service_client(auth)

    response = await auth.client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials", "scope": "charts:write"},
        headers=_basic(str(created.client.id), created.secret),
    )

    _oauth_error(response, 400, "invalid_scope")


async def test_a_disabled_clients_tokens_stop_working_at_once(auth: AuthHarness) -> None:
    created = await _service_client(auth)
    response = await auth.client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers=_basic(str(created.client.id), created.secret),
    )
    token = response.json()["access_token"]
    assert (await auth.client.get("/api/v1/auth/sessions", headers=bearer(token))).status_code == 200

    await execute(
        auth, "UPDATE auth.service_clients SET disabled_at = now() WHERE id = :id", id=created.client.id
    )

    assert (await auth.client.get("/api/v1/auth/sessions", headers=bearer(token))).status_code == 401
    refused = await auth.client.post(
        TOKEN_PATH,
        data={"grant_type": "client_credentials"},
        headers=_basic(str(created.client.id), created.secret),
    )
    _oauth_error(refused, 401, "invalid_client")


async def test_the_password_grant_answers_invalid_scope_for_a_scope_outside_the_catalogue(
    auth: AuthHarness,
) -> None:
    email = str((await auth.register())["email"])

    response = await auth.client.post(
        TOKEN_PATH,
        data={"grant_type": "password", "username": email, "password": PASSWORD, "scope": "charts:read root"},
    )

    _oauth_error(response, 400, "invalid_scope")
    assert "root" in response.json()["error_description"]
    granted = await auth.client.post(
        TOKEN_PATH,
        data={"grant_type": "password", "username": email, "password": PASSWORD, "scope": "charts:read"},
    )
    assert granted.json()["scope"] == "charts:read"
