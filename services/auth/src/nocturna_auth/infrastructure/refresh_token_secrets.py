"""Refresh-token digests and sealed successor pairs."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from nocturna_auth.application.session_tokens import IssuedTokens

NONCE_BYTES = 12
_SEAL_INFO = b"nocturna/auth/refresh-token-successor/v1"


class Sha256AesGcmRefreshTokenSecrets:
    """Digest: SHA-256 (the secrets are 256-bit random, so neither salt nor stretching adds anything).

    Seal: AES-256-GCM under a key derived from the token with HKDF-SHA256 (independent of the stored
    digest), the digest bound as associated data; only a holder of the token can open it.
    """

    def digest(self, secret: str) -> bytes:
        return hashlib.sha256(secret.encode()).digest()

    def seal(self, tokens: IssuedTokens, secret: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        plaintext = json.dumps(dataclasses.asdict(tokens)).encode()
        return nonce + AESGCM(self._key(secret)).encrypt(nonce, plaintext, self.digest(secret))

    def unseal(self, sealed: bytes, secret: str) -> IssuedTokens | None:
        nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        try:
            plaintext = AESGCM(self._key(secret)).decrypt(nonce, ciphertext, self.digest(secret))
        except (InvalidTag, ValueError):
            return None
        return IssuedTokens(**json.loads(plaintext))

    @staticmethod
    def _key(secret: str) -> bytes:
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(secret.encode())
