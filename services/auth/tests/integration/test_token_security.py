"""Forged, expired and orphaned access tokens are refused by auth's own protected route (401 problem)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from joserfc import jwt
from nocturna_platform.security.signing import SigningKey

from services.auth.tests.conftest import AuthHarness
from services.auth.tests.integration.flows import SignedIn, bearer, execute, sign_in

pytestmark = pytest.mark.integration

ME = "/api/v1/auth/me"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value).encode())


def _payload(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return claims


async def _refused(auth: AuthHarness, token: str) -> None:
    response = await auth.client.get(ME, headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


@pytest.fixture
async def signed_in(auth: AuthHarness) -> SignedIn:
    signed_in = await sign_in(auth)
    assert (await auth.client.get(ME, headers=signed_in.headers)).status_code == 200
    return signed_in


@pytest.fixture
async def signing_key(auth: AuthHarness) -> SigningKey:
    return await auth.service.signing_keys.current()


@pytest.fixture
def resign(signed_in: SignedIn, signing_key: SigningKey) -> Callable[..., str]:
    """The signed-in user's claims, changed by keyword, validly signed with auth's current key."""

    def resign(*, header: dict[str, Any] | None = None, **changes: Any) -> str:
        claims = {**_payload(signed_in.access_token), **changes}
        token_header = header or {"alg": "ES256", "kid": signing_key.kid, "typ": "JWT"}
        return str(jwt.encode(token_header, claims, signing_key.key, algorithms=["ES256"]))

    return resign


async def test_the_resigned_control_token_is_accepted(auth: AuthHarness, resign: Callable[..., str]) -> None:
    assert (await auth.client.get(ME, headers=bearer(resign()))).status_code == 200


async def test_alg_none_is_refused(auth: AuthHarness, signed_in: SignedIn, signing_key: SigningKey) -> None:
    payload = signed_in.access_token.split(".")[1]
    await _refused(auth, f"{_segment({'alg': 'none', 'kid': signing_key.kid, 'typ': 'JWT'})}.{payload}.")


async def test_hs256_signed_with_the_public_key_is_refused(auth: AuthHarness, signed_in: SignedIn) -> None:
    jwks = (await auth.client.get("/.well-known/jwks.json")).json()["keys"]
    public = jwks[0]
    signing_input = f"{_segment({'alg': 'HS256', 'kid': public['kid'], 'typ': 'JWT'})}.{signed_in.access_token.split('.')[1]}"
    for secret in (json.dumps(public).encode(), json.dumps(public, separators=(",", ":")).encode()):
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        await _refused(auth, f"{signing_input}.{_b64(signature)}")


async def test_an_unknown_kid_is_refused(auth: AuthHarness, signed_in: SignedIn) -> None:
    stranger = SigningKey.generate(kid="not-ours")
    claims = _payload(signed_in.access_token)
    await _refused(
        auth, str(jwt.encode({"alg": "ES256", "kid": "not-ours"}, claims, stranger.key, algorithms=["ES256"]))
    )


async def test_our_kid_on_a_strangers_signature_is_refused(
    auth: AuthHarness, signed_in: SignedIn, signing_key: SigningKey
) -> None:
    stranger = SigningKey.generate()
    claims = _payload(signed_in.access_token)
    header = {"alg": "ES256", "kid": signing_key.kid}
    await _refused(auth, str(jwt.encode(header, claims, stranger.key, algorithms=["ES256"])))


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "another-audience"},
        {"iss": "https://evil.example"},
        {"sub": str(uuid4())},
        {"sid": str(uuid4())},
    ],
    ids=["wrong aud", "wrong iss", "another subject", "unknown session"],
)
async def test_validly_signed_tokens_with_wrong_claims_are_refused(
    auth: AuthHarness, resign: Callable[..., str], changes: dict[str, Any]
) -> None:
    await _refused(auth, resign(**changes))


async def test_an_expired_token_is_refused(auth: AuthHarness, resign: Callable[..., str]) -> None:
    now = int(datetime.now(UTC).timestamp())
    leeway = 30
    await _refused(auth, resign(iat=now - 1000, nbf=now - 1000, exp=now - leeway - 1))


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_a_token_not_yet_valid_is_refused(
    auth: AuthHarness, resign: Callable[..., str], claim: str
) -> None:
    future = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
    await _refused(auth, resign(**{claim: future, "exp": future + 900}))


async def test_a_tampered_payload_is_refused(auth: AuthHarness, signed_in: SignedIn) -> None:
    header, _, signature = signed_in.access_token.split(".")
    claims = {**_payload(signed_in.access_token), "roles": ["admin"]}
    await _refused(auth, f"{header}.{_segment(claims)}.{signature}")


async def test_a_disabled_users_token_stops_working(auth: AuthHarness, signed_in: SignedIn) -> None:
    await execute(auth, "UPDATE auth.users SET disabled_at = now() WHERE id = :id", id=signed_in.user_id)

    await _refused(auth, signed_in.access_token)


async def test_a_deleted_users_token_stops_working(auth: AuthHarness, signed_in: SignedIn) -> None:
    await execute(auth, "DELETE FROM auth.users WHERE id = :id", id=signed_in.user_id)

    await _refused(auth, signed_in.access_token)
