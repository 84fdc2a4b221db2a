from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from joserfc.jwk import ECKey
from nocturna_platform.security import SigningKey


def _part(token: str, index: int) -> dict[str, Any]:
    segment = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return decoded


def test_an_issued_token_carries_the_agreed_header_and_claims(
    issue: Callable[..., str], signing_key: SigningKey
) -> None:
    session_id, subject = uuid4(), uuid4()

    token = issue(subject=subject, session_id=session_id, roles=["user"], scopes=["b", "a"], token_id="j")

    assert _part(token, 0) == {"alg": "ES256", "kid": signing_key.kid, "typ": "JWT"}
    claims = _part(token, 1)
    assert set(claims) == {"iss", "aud", "sub", "sid", "roles", "scope", "jti", "iat", "nbf", "exp"}
    assert (claims["sub"], claims["sid"], claims["roles"], claims["scope"], claims["jti"]) == (
        str(subject),
        str(session_id),
        ["user"],
        "a b",
        "j",
    )
    assert claims["exp"] - claims["iat"] == 900
    assert claims["nbf"] == claims["iat"]


def test_a_generated_key_is_named_by_its_thumbprint_and_publishes_no_private_part() -> None:
    key = SigningKey.generate()

    jwk = key.public_jwk()

    assert key.kid == ECKey.import_key({**jwk}).thumbprint()
    assert "d" not in jwk
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("EC", "P-256", "sig", "ES256")


@pytest.mark.parametrize("password", [None, "secret"])
def test_a_key_survives_a_pem_round_trip(password: str | None) -> None:
    key = SigningKey.generate(kid="k")

    restored = SigningKey.from_private_pem(key.private_pem(password), kid="k", password=password)

    assert restored.public_jwk() == key.public_jwk()


def test_only_p256_private_keys_can_sign() -> None:
    with pytest.raises(ValueError, match="P-256 private key"):
        SigningKey(ECKey.generate_key("P-384"))
    with pytest.raises(ValueError, match="P-256 private key"):
        SigningKey(ECKey.import_key({**SigningKey.generate().public_jwk()}))
