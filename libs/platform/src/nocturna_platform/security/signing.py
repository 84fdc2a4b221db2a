"""ES256 signing keys and access-token issuance (used by auth, and by tests of every service)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from joserfc import jwt
from joserfc.jwk import ECKey

ALGORITHM = "ES256"
CURVE = "P-256"


@dataclass(frozen=True)
class SigningKey:
    """A P-256 private key with a `kid` (its RFC 7638 thumbprint unless given); only `public_jwk` leaves."""

    key: ECKey

    def __post_init__(self) -> None:
        if not self.key.is_private or self.key.curve_name != CURVE:
            raise ValueError("a signing key must be a P-256 private key")
        self.key.ensure_kid()

    @classmethod
    def generate(cls, kid: str | None = None) -> SigningKey:
        return cls(ECKey.generate_key(CURVE, {"kid": kid} if kid else None))

    @classmethod
    def from_private_pem(cls, pem: bytes, kid: str | None = None, password: str | None = None) -> SigningKey:
        return cls(ECKey.import_key(pem, {"kid": kid} if kid else None, password=password))

    @property
    def kid(self) -> str:
        return str(self.key.kid)

    def private_pem(self, password: str | None = None) -> bytes:
        return self.key.as_pem(private=True, password=password)

    def public_jwk(self) -> dict[str, str]:
        public = self.key.as_dict(private=False)
        return {
            "kty": "EC",
            "crv": CURVE,
            "x": str(public["x"]),
            "y": str(public["y"]),
            "kid": self.kid,
            "use": "sig",
            "alg": ALGORITHM,
        }


def issue_access_token(
    key: SigningKey,
    *,
    issuer: str,
    audience: str,
    subject: UUID,
    session_id: UUID | None,
    roles: Iterable[str],
    scopes: Iterable[str],
    ttl: timedelta,
    now: datetime,
    token_id: str,
) -> str:
    """A signed JWT; `sid` is left out for tokens without a session (client credentials)."""
    issued_at = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": str(subject),
        "roles": sorted(set(roles)),
        "scope": " ".join(sorted(set(scopes))),
        "jti": token_id,
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + int(ttl.total_seconds()),
    }
    if session_id is not None:
        claims["sid"] = str(session_id)
    header = {"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, claims, key.key, algorithms=[ALGORITHM])
