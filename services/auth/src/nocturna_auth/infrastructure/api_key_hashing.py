"""Keyed hashing of API key secrets: HMAC-SHA256 under a pepper from settings."""

from __future__ import annotations

import hashlib
import hmac


class HmacSecretHasher:
    """A 256-bit random secret needs no slow hash; the pepper makes a stolen table useless without it."""

    def __init__(self, pepper: bytes) -> None:
        self._pepper = pepper

    def digest(self, secret: str) -> str:
        return hmac.new(self._pepper, secret.encode(), hashlib.sha256).hexdigest()

    def matches(self, secret: str, digest: str) -> bool:
        return hmac.compare_digest(self.digest(secret), digest)
