"""Sign-in with OpenID Connect against a fake provider the tests start on a local port."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx
import pytest
from joserfc.jwk import RSAKey
from nocturna_auth.api.oidc import STATE_COOKIE
from nocturna_auth.bootstrap import AuthService
from nocturna_auth.infrastructure.tables import ExternalIdentityRow, UserRow
from nocturna_auth.settings import OidcProviderSettings, OidcSettings
from nocturna_platform.testing.serving import serving
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlmodel import col

from services.auth.tests.conftest import PASSWORD, AuthHarness, Mailbox, service_settings, unique_email
from services.auth.tests.fake_oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeLogin,
    FakeOidcProvider,
    serving_provider,
)
from services.auth.tests.integration.actors import events_about, sessions_of, types_of

pytestmark = pytest.mark.integration

CALLBACK = "/api/v1/auth/oidc/fake/callback"


@dataclass
class OidcWorld:
    auth: AuthHarness
    provider: FakeOidcProvider


@pytest.fixture(scope="module")
async def oidc(test_env: dict[str, str], mailbox: Mailbox) -> AsyncIterator[OidcWorld]:
    async with serving_provider() as provider:
        settings = service_settings(
            mailbox,
            oidc=OidcSettings(
                providers={
                    "fake": OidcProviderSettings(
                        discovery_url=provider.discovery_url,
                        client_id=CLIENT_ID,
                        client_secret=SecretStr(CLIENT_SECRET),
                    )
                },
                redirect_base_url="http://auth.test",
            ),
        )
        service = AuthService(settings)
        async with serving(service, base_url="http://auth.test") as client:
            yield OidcWorld(AuthHarness(service, client, mailbox), provider)


@dataclass(frozen=True)
class Callback:
    code: str
    state: str
    browser_state: str


async def _at_provider(world: OidcWorld, login: FakeLogin) -> Callback:
    """Authorize at our service, sign in at the provider, stop where the browser would come back."""
    started = await world.auth.client.get("/api/v1/auth/oidc/fake/authorize")
    assert started.status_code == 302, started.text
    browser_state = started.cookies[STATE_COOKIE]
    world.auth.client.cookies.clear()
    world.provider.next_login = login
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(started.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    assert back.path == CALLBACK
    query = parse_qs(back.query)
    return Callback(query["code"][0], query["state"][0], browser_state)


async def _come_back(world: OidcWorld, callback: Callback, **overrides: str) -> httpx.Response:
    params = {"code": callback.code, "state": callback.state} | overrides
    cookie = overrides.pop("browser_state", callback.browser_state)
    params.pop("browser_state", None)
    return await world.auth.client.get(
        CALLBACK, params=params, headers={"Cookie": f"{STATE_COOKIE}={cookie}"}
    )


async def _sign_in(world: OidcWorld, login: FakeLogin) -> httpx.Response:
    return await _come_back(world, await _at_provider(world, login))


async def _me(world: OidcWorld, response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    me = await world.auth.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    body: dict[str, object] = me.json()
    return body


def _problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


async def _identities(world: OidcWorld, user_id: UUID) -> list[tuple[str, str]]:
    async with sessions_of(world.auth)() as session:
        rows = await session.execute(
            select(ExternalIdentityRow.provider, ExternalIdentityRow.subject).where(
                col(ExternalIdentityRow.user_id) == user_id
            )
        )
        return [(provider, subject) for provider, subject in rows.all()]


async def test_the_authorize_route_redirects_with_pkce_state_and_nonce(oidc: OidcWorld) -> None:
    response = await oidc.auth.client.get("/api/v1/auth/oidc/fake/authorize")
    oidc.auth.client.cookies.clear()

    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    query = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{oidc.provider.issuer}/authorize"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43
    assert len(query["nonce"]) >= 43
    assert query["redirect_uri"] == f"http://auth.test{CALLBACK}"
    assert query["scope"].split() == ["openid", "email", "profile"]
    cookie = response.headers["set-cookie"]
    assert f"{STATE_COOKIE}={query['state']}" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert response.headers["cache-control"] == "no-store"


async def test_a_new_verified_email_creates_a_verified_account_without_password(oidc: OidcWorld) -> None:
    email, subject = unique_email(), f"sub-{uuid.uuid4().hex}"

    response = await _sign_in(oidc, FakeLogin(subject, email.upper(), True, name="Ada Lovelace"))
    me = await _me(oidc, response)

    assert response.headers["cache-control"] == "no-store"
    assert set(response.json()) >= {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (me["email"], me["email_verified"], me["display_name"]) == (email, True, "Ada Lovelace")
    user_id = UUID(str(me["id"]))
    assert await _identities(oidc, user_id) == [("fake", subject)]
    assert types_of(await events_about(oidc.auth, user_id)) == [
        "auth.user.registered.v1",
        "auth.user.email_verified.v1",
    ]
    assert (await oidc.auth.password_grant(email, PASSWORD)).json()["error"] == "invalid_grant"
    [token_request] = oidc.provider.token_requests[-1:]
    assert len(token_request["code_verifier"]) == 64


async def test_later_logins_match_the_subject_even_when_the_email_changed(oidc: OidcWorld) -> None:
    email, subject = unique_email(), f"sub-{uuid.uuid4().hex}"
    first = await _me(oidc, await _sign_in(oidc, FakeLogin(subject, email, True)))

    again = await _me(oidc, await _sign_in(oidc, FakeLogin(subject, unique_email(), False)))

    assert again["id"] == first["id"]
    assert again["email"] == email


async def test_a_verified_email_links_the_existing_verified_account(oidc: OidcWorld) -> None:
    email = unique_email()
    registered = await oidc.auth.register(email)
    user_id = UUID(str(registered["id"]))
    async with sessions_of(oidc.auth)() as session:
        await session.execute(update(UserRow).where(col(UserRow.id) == user_id).values(email_verified=True))
        await session.commit()

    me = await _me(oidc, await _sign_in(oidc, FakeLogin("linked-" + uuid.uuid4().hex, email.upper(), True)))

    assert me["id"] == str(user_id)
    assert len(await _identities(oidc, user_id)) == 1
    assert (await oidc.auth.password_grant(email, PASSWORD)).status_code == 200
    assert "auth.user.email_verified.v1" not in types_of(await events_about(oidc.auth, user_id))


async def test_two_first_sign_ins_of_one_subject_at_once_both_succeed_with_one_link(oidc: OidcWorld) -> None:
    email = unique_email()
    registered = await oidc.auth.register(email)
    user_id = UUID(str(registered["id"]))
    async with sessions_of(oidc.auth)() as session:
        await session.execute(update(UserRow).where(col(UserRow.id) == user_id).values(email_verified=True))
        await session.commit()
    login = FakeLogin("twice-" + uuid.uuid4().hex, email, True)
    first, second = await _at_provider(oidc, login), await _at_provider(oidc, login)

    answers = await asyncio.gather(_come_back(oidc, first), _come_back(oidc, second))

    assert [(await _me(oidc, answer))["id"] for answer in answers] == [str(user_id)] * 2
    assert await _identities(oidc, user_id) == [("fake", login.subject)]


async def test_an_existing_unverified_account_is_not_linked(oidc: OidcWorld) -> None:
    email = unique_email()
    registered = await oidc.auth.register(email)

    response = await _sign_in(oidc, FakeLogin("squatted-" + uuid.uuid4().hex, email, True))

    _problem(response, 409, "account_not_verified")
    assert await _identities(oidc, UUID(str(registered["id"]))) == []


async def test_an_email_the_provider_did_not_verify_is_refused(oidc: OidcWorld) -> None:
    email = unique_email()

    response = await _sign_in(oidc, FakeLogin("unverified-" + uuid.uuid4().hex, email, False))

    _problem(response, 403, "provider_email_not_verified")
    async with sessions_of(oidc.auth)() as session:
        found = await session.execute(select(UserRow.id).where(col(UserRow.email) == email))
        assert found.first() is None


async def test_a_state_not_bound_to_this_browser_is_refused(oidc: OidcWorld) -> None:
    callback = await _at_provider(oidc, FakeLogin("s-" + uuid.uuid4().hex, unique_email(), True))

    forged = await _come_back(oidc, callback, state="forged-" + callback.state)
    no_cookie = await oidc.auth.client.get(CALLBACK, params={"code": callback.code, "state": callback.state})
    unknown = await _come_back(oidc, callback, state="unknown", browser_state="unknown")
    accepted = await _come_back(oidc, callback)
    replayed = await _come_back(oidc, callback)

    _problem(forged, 400, "invalid_state")
    _problem(no_cookie, 400, "invalid_state")
    _problem(unknown, 400, "invalid_state")
    assert accepted.status_code == 200, accepted.text
    _problem(replayed, 400, "invalid_state")


async def test_an_id_token_with_another_nonce_is_refused(oidc: OidcWorld) -> None:
    login = FakeLogin("nonce-" + uuid.uuid4().hex, unique_email(), True, nonce="not-the-one-we-sent")

    _problem(await _sign_in(oidc, login), 401, "invalid_id_token")


async def test_an_id_token_signed_by_a_key_outside_the_jwks_is_refused(oidc: OidcWorld) -> None:
    rogue = RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
    login = FakeLogin("rogue-" + uuid.uuid4().hex, unique_email(), True, signing_key=rogue)

    _problem(await _sign_in(oidc, login), 401, "invalid_id_token")


async def test_an_unknown_provider_is_a_404_problem(oidc: OidcWorld) -> None:
    authorize = await oidc.auth.client.get("/api/v1/auth/oidc/nope/authorize")
    callback = await oidc.auth.client.get(
        "/api/v1/auth/oidc/nope/callback",
        params={"code": "x", "state": "y"},
        headers={"Cookie": f"{STATE_COOKIE}=y"},
    )

    _problem(authorize, 404, "unknown_provider")
    _problem(callback, 404, "unknown_provider")


async def test_a_provider_error_is_a_problem_without_its_text(oidc: OidcWorld) -> None:
    response = await oidc.auth.client.get(
        CALLBACK, params={"error": "access_denied", "error_description": "<script>alert(1)</script>"}
    )

    _problem(response, 400, "provider_refused")
    assert "script" not in response.text
