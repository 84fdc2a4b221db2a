"""Signing keys kept in the `auth` schema, private parts encrypted with AES-256-GCM."""

from __future__ import annotations

import base64
import json
import math
import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc.jwk import ECKey
from nocturna_platform.ids import uuid7
from nocturna_platform.security.jwks import parse_jwks
from nocturna_platform.security.signing import SigningKey, issue_access_token
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from nocturna_auth.application.issue_tokens import IssuedTokens
from nocturna_auth.domain.users import User
from nocturna_auth.infrastructure.tables import SigningKeyRow
from nocturna_auth.settings import TokenIssuingSettings

NONCE_BYTES = 12
VERIFICATION_CACHE_SECONDS = 60.0


class KeyEncryption:
    """AES-GCM with the key id bound as associated data, so a ciphertext cannot move between keys."""

    def __init__(self, key_b64: str, key_id: str) -> None:
        self._aes = AESGCM(base64.b64decode(key_b64))
        self.key_id = key_id

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aes.encrypt(nonce, plaintext, self.key_id.encode())

    def decrypt(self, ciphertext: bytes) -> bytes:
        return self._aes.decrypt(ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], self.key_id.encode())


class SqlSigningKeyStore:
    """The newest key signs; every key not retired is published in the JWKS."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        encryption: KeyEncryption,
        clock: Callable[[], datetime],
    ) -> None:
        self._session_factory = session_factory
        self._encryption = encryption
        self._clock = clock
        self._current: SigningKey | None = None
        self._verification: dict[str, ECKey] = {}
        self._verification_loaded_at = -math.inf

    async def get(self, kid: str) -> ECKey | None:
        """Verification key by `kid` for auth's own routes, read from the table (no HTTP round trip to itself).

        Reloaded when stale or on an unknown `kid`, at most once a second, so random `kid`s cannot load the DB.
        """
        key = self._verification.get(kid)
        age = time.monotonic() - self._verification_loaded_at
        if (key is None and age >= 1.0) or age >= VERIFICATION_CACHE_SECONDS:
            self._verification = parse_jwks({"keys": await self.public_keys()})
            self._verification_loaded_at = time.monotonic()
            key = self._verification.get(kid)
        return key

    async def current(self) -> SigningKey:
        if self._current is None:
            self._current = await self._load_or_create()
        return self._current

    async def public_keys(self) -> list[dict[str, Any]]:
        async with self._session_factory() as session:
            rows = (
                await session.execute(
                    select(col(SigningKeyRow.public_jwk))
                    .where(col(SigningKeyRow.retired_at).is_(None))
                    .order_by(col(SigningKeyRow.created_at).desc())
                )
            ).scalars()
            return [json.loads(jwk) for jwk in rows]

    async def _load_or_create(self) -> SigningKey:
        async with self._session_factory() as session:
            row = (
                await session.execute(
                    select(SigningKeyRow)
                    .where(col(SigningKeyRow.retired_at).is_(None))
                    .order_by(col(SigningKeyRow.created_at).desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if row is not None:
                return SigningKey.from_private_pem(
                    self._encryption.decrypt(row.private_key_encrypted), kid=row.kid
                )
            key = SigningKey.generate()
            session.add(
                SigningKeyRow(
                    kid=key.kid,
                    public_jwk=json.dumps(key.public_jwk()),
                    private_key_encrypted=self._encryption.encrypt(key.private_pem()),
                    encryption_key_id=self._encryption.key_id,
                    created_at=self._clock(),
                )
            )
            await session.commit()
            return key


class JwtAccessTokenIssuer:
    def __init__(
        self, keys: SqlSigningKeyStore, settings: TokenIssuingSettings, clock: Callable[[], datetime]
    ) -> None:
        self._keys = keys
        self._settings = settings
        self._clock = clock

    async def issue(self, user: User, *, session_id: UUID, scopes: frozenset[str]) -> IssuedTokens:
        ttl = self._settings.access_token_ttl_seconds
        token = issue_access_token(
            await self._keys.current(),
            issuer=self._settings.issuer,
            audience=self._settings.audience,
            subject=user.id,
            session_id=session_id,
            roles=user.roles,
            scopes=scopes,
            ttl=timedelta(seconds=ttl),
            now=self._clock(),
            token_id=str(uuid7()),
        )
        return IssuedTokens(access_token=token, expires_in=ttl)
