from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from joserfc import jws
from nocturna_platform.security import SigningKey, TokenVerifier

if TYPE_CHECKING:
    from .conftest import FakeClock, FakeJwksServer, Rejection


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value).encode())


def _claims(segment: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return decoded


async def test_a_valid_token_yields_its_principal(
    verifier: TokenVerifier, issue: Callable[..., str], user_id: UUID, clock: FakeClock
) -> None:
    session_id = uuid4()
    token = issue(session_id=session_id, roles=["user", "admin"], scopes=["openid", "charts"], token_id="t-1")

    principal = await verifier.verify(token)

    assert principal.subject == user_id
    assert principal.session_id == session_id
    assert principal.roles == {"user", "admin"}
    assert principal.scopes == {"openid", "charts"}
    assert principal.token_id == "t-1"
    assert principal.expires_at == clock.now() + timedelta(minutes=15)


async def test_a_token_without_a_session_is_accepted(
    verifier: TokenVerifier, issue: Callable[..., str]
) -> None:
    principal = await verifier.verify(issue(session_id=None, roles=["service"], scopes=[]))

    assert principal.session_id is None
    assert principal.is_service


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c", "a.b.c.d.e", "ünïcode.x.y"])
async def test_malformed_tokens_are_rejected(rejection: Rejection, token: str) -> None:
    assert await rejection(token) == "malformed"


async def test_a_signed_payload_that_is_not_an_object_is_rejected(
    rejection: Rejection, signing_key: SigningKey
) -> None:
    token = jws.serialize_compact(
        {"alg": "ES256", "kid": signing_key.kid}, b"[1, 2]", signing_key.key, algorithms=["ES256"]
    )

    assert await rejection(token) == "malformed"


async def test_alg_none_is_rejected(
    rejection: Rejection, issue: Callable[..., str], signing_key: SigningKey
) -> None:
    payload = issue().split(".")[1]
    token = f"{_segment({'alg': 'none', 'kid': signing_key.kid, 'typ': 'JWT'})}.{payload}."

    assert await rejection(token) == "unsupported_alg"


@pytest.mark.parametrize("secret_form", ["pem", "jwk"])
async def test_hs256_signed_with_the_public_key_as_secret_is_rejected(
    rejection: Rejection,
    issue: Callable[..., str],
    signing_key: SigningKey,
    secret_form: str,
) -> None:
    secret = (
        signing_key.key.as_pem(private=False)
        if secret_form == "pem"
        else json.dumps(signing_key.public_jwk()).encode()
    )
    signing_input = (
        f"{_segment({'alg': 'HS256', 'kid': signing_key.kid, 'typ': 'JWT'})}.{issue().split('.')[1]}"
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()

    assert await rejection(f"{signing_input}.{_b64(signature)}") == "unsupported_alg"


async def test_a_token_without_kid_is_rejected(rejection: Rejection, sign_claims: Callable[..., str]) -> None:
    assert await rejection(sign_claims(header={"alg": "ES256"})) == "missing_kid"


async def test_a_token_naming_another_published_key_is_rejected(
    rejection: Rejection, issue: Callable[..., str], jwks_server: FakeJwksServer
) -> None:
    other = SigningKey.generate(kid="key-2")
    jwks_server.keys.append(other)
    forged = SigningKey.from_private_pem(SigningKey.generate().private_pem(), kid=other.kid)

    assert await rejection(issue(key=forged)) == "bad_signature"


async def test_a_tampered_payload_is_rejected(rejection: Rejection, issue: Callable[..., str]) -> None:
    header, payload, signature = issue().split(".")
    claims = _claims(payload) | {"roles": ["admin"]}

    assert await rejection(f"{header}.{_segment(claims)}.{signature}") == "bad_signature"


async def test_a_truncated_signature_is_rejected(rejection: Rejection, issue: Callable[..., str]) -> None:
    assert await rejection(issue()[:-4]) == "bad_signature"


async def test_a_wrong_issuer_is_rejected(rejection: Rejection, issue: Callable[..., str]) -> None:
    assert await rejection(issue(issuer="https://evil.test")) == "invalid_issuer"


async def test_a_wrong_audience_is_rejected(rejection: Rejection, issue: Callable[..., str]) -> None:
    assert await rejection(issue(audience="billing")) == "invalid_audience"


async def test_an_audience_list_naming_us_is_accepted(
    verifier: TokenVerifier, sign_claims: Callable[..., str]
) -> None:
    principal = await verifier.verify(sign_claims(aud=["billing", "nocturna"]))

    assert principal.token_id == "token-1"


async def test_an_expired_token_is_rejected(
    rejection: Rejection, issue: Callable[..., str], clock: FakeClock
) -> None:
    token = issue(ttl=timedelta(minutes=15))
    clock.advance(15 * 60 + 30)

    assert await rejection(token) == "expired"


async def test_an_expired_token_is_accepted_within_the_leeway(
    verifier: TokenVerifier, issue: Callable[..., str], clock: FakeClock
) -> None:
    token = issue(ttl=timedelta(minutes=15))
    clock.advance(15 * 60 + 29)

    assert (await verifier.verify(token)).expires_at < clock.now()


async def test_a_token_not_yet_valid_is_rejected(
    rejection: Rejection, sign_claims: Callable[..., str], clock: FakeClock
) -> None:
    nbf = int(clock.now().timestamp()) + 31

    assert await rejection(sign_claims(nbf=nbf)) == "not_yet_valid"


async def test_a_token_issued_in_the_future_is_rejected(
    rejection: Rejection, issue: Callable[..., str], clock: FakeClock
) -> None:
    token = issue(now=clock.now() + timedelta(seconds=31))

    assert await rejection(token) == "not_yet_valid"


async def test_a_token_issued_slightly_ahead_is_accepted_within_the_leeway(
    verifier: TokenVerifier, issue: Callable[..., str], clock: FakeClock
) -> None:
    token = issue(now=clock.now() + timedelta(seconds=30))

    assert (await verifier.verify(token)).expires_at > clock.now()


@pytest.mark.parametrize("claim", ["sub", "jti", "exp", "iat"])
async def test_a_missing_required_claim_is_rejected(
    rejection: Rejection, sign_claims: Callable[..., str], claim: str
) -> None:
    assert await rejection(sign_claims(drop=(claim,))) == "missing_claim"


@pytest.mark.parametrize(("claim", "reason"), [("iss", "invalid_issuer"), ("aud", "invalid_audience")])
async def test_a_missing_issuer_or_audience_is_rejected(
    rejection: Rejection, sign_claims: Callable[..., str], claim: str, reason: str
) -> None:
    assert await rejection(sign_claims(drop=(claim,))) == reason


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "alice"},
        {"sub": 42},
        {"sid": "not-a-uuid"},
        {"jti": ""},
        {"exp": "tomorrow"},
        {"iat": True},
        {"roles": "admin"},
        {"roles": [1]},
        {"scope": ["charts"]},
    ],
)
async def test_an_ill_typed_claim_is_rejected(
    rejection: Rejection, sign_claims: Callable[..., str], claims: dict[str, Any]
) -> None:
    assert await rejection(sign_claims(**claims)) == "invalid_claim"
