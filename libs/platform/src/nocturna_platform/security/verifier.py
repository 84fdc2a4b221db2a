"""Access-token verification: ES256 signature by a published key, then issuer, audience, time and claims."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from joserfc import jws
from joserfc.errors import JoseError

from nocturna_platform.security.jwks import VerificationKeys
from nocturna_platform.security.principal import Principal
from nocturna_platform.security.signing import ALGORITHM
from nocturna_platform.settings import TokenVerificationSettings

Reason = Literal[
    "malformed",
    "unsupported_alg",
    "missing_kid",
    "unknown_kid",
    "bad_signature",
    "invalid_issuer",
    "invalid_audience",
    "expired",
    "not_yet_valid",
    "missing_claim",
    "invalid_claim",
    "revoked",
]

_ALGORITHMS = (ALGORITHM,)
_REQUIRED_CLAIMS = ("sub", "jti", "exp", "iat")


class InvalidToken(Exception):
    """The token proves nothing; `reason` is for logs and tests, never for the client."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


class TokenVerifier:
    """Turns a bearer token into a `Principal` or raises `InvalidToken`; keys come parsed from the key set."""

    def __init__(
        self,
        settings: TokenVerificationSettings,
        keys: VerificationKeys,
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._keys = keys
        self._clock = clock

    async def verify(self, token: str) -> Principal:
        try:
            signed = jws.extract_compact(token.encode("ascii"))
        except (JoseError, ValueError, TypeError) as error:
            raise InvalidToken("malformed") from error
        header = signed.headers()
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unsupported_alg")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("missing_kid")
        key = await self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown_kid")
        try:
            valid = jws.validate_compact(signed, key, algorithms=_ALGORITHMS)
        except JoseError as error:
            raise InvalidToken("malformed") from error
        if not valid:
            raise InvalidToken("bad_signature")
        return self._principal(_claims(signed.payload))

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        if claims.get("iss") != self._settings.issuer:
            raise InvalidToken("invalid_issuer")
        if not _audience_matches(claims.get("aud"), self._settings.audience):
            raise InvalidToken("invalid_audience")
        if any(name not in claims for name in _REQUIRED_CLAIMS):
            raise InvalidToken("missing_claim")
        expires, issued = _timestamp(claims["exp"]), _timestamp(claims["iat"])
        not_before = _timestamp(claims["nbf"]) if "nbf" in claims else issued
        now, leeway = self._clock().timestamp(), self._settings.leeway_seconds
        if now >= expires + leeway:
            raise InvalidToken("expired")
        if now + leeway < max(not_before, issued):
            raise InvalidToken("not_yet_valid")
        return Principal(
            subject=_uuid(claims["sub"]),
            session_id=_uuid(claims["sid"]) if claims.get("sid") is not None else None,
            roles=_strings(claims.get("roles", [])),
            scopes=_scopes(claims.get("scope", "")),
            token_id=_non_empty(claims["jti"]),
            expires_at=datetime.fromtimestamp(expires, UTC),
        )


def _claims(payload: bytes | None) -> Mapping[str, Any]:
    try:
        claims = json.loads(payload or b"")
    except ValueError as error:
        raise InvalidToken("malformed") from error
    if not isinstance(claims, dict):
        raise InvalidToken("malformed")
    return claims


def _audience_matches(claim: object, audience: str) -> bool:
    if isinstance(claim, str):
        return claim == audience
    return isinstance(claim, list) and audience in claim


def _timestamp(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken("invalid_claim")
    return float(value)


def _uuid(value: object) -> UUID:
    try:
        return UUID(_non_empty(value))
    except ValueError as error:
        raise InvalidToken("invalid_claim") from error


def _non_empty(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidToken("invalid_claim")
    return value


def _scopes(value: object) -> frozenset[str]:
    if not isinstance(value, str):
        raise InvalidToken("invalid_claim")
    return frozenset(value.split())


def _strings(values: object) -> frozenset[str]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise InvalidToken("invalid_claim")
    return frozenset(values)
