"""Signing keys kept in the `auth` schema, private parts encrypted with AES-256-GCM."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from joserfc.jwk import ECKey
from nocturna_platform.ids import uuid7
from nocturna_platform.sealing import AesGcmSealer
from nocturna_platform.security.jwks import parse_jwks
from nocturna_platform.security.principal import SERVICE
from nocturna_platform.security.signing import SigningKey, issue_access_token
from sqlalchemy import delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from nocturna_auth.application.session_tokens import IssuedTokens
from nocturna_auth.domain.api_keys import API_KEY_ROLES
from nocturna_auth.domain.signing_keys import KeyRotationPolicy
from nocturna_auth.domain.users import User
from nocturna_auth.infrastructure.tables import SigningKeyRow
from nocturna_auth.settings import TokenIssuingSettings

VERIFICATION_CACHE_SECONDS = 60.0
ROTATION_LOCK = 0x6E6F_6374_6B65_7973  # pg advisory lock id ("noctkeys"): one rotation at a time


def _context(encryption_key_id: str) -> bytes:
    """The encryption key id is the associated data, so a private key cannot move between key ids."""
    return encryption_key_id.encode()


class SqlSigningKeyStore:
    """The newest key signs; retired keys stay published until no token they signed can still be valid.

    Each replica caches its signing key and re-reads it every `reload_after`, so a rotation made by another
    replica or the CLI takes over everywhere within that time (the retention of retired keys covers it).
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        sealer: AesGcmSealer,
        clock: Callable[[], datetime],
        policy: KeyRotationPolicy,
        reload_after: timedelta,
    ) -> None:
        self._session_factory = session_factory
        self._sealer = sealer
        self._clock = clock
        self._policy = policy
        self._reload_after = reload_after
        self._current: SigningKey | None = None
        self._current_read_at = datetime.min.replace(tzinfo=UTC)
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
        now = self._clock()
        if self._current is None or now >= self._current_read_at + self._reload_after:
            row = await self._newest()
            if row is None:
                await self.rotate()
                row = await self._newest()
                assert row is not None
            if self._current is None or self._current.kid != row.kid:
                self._current = SigningKey.from_private_pem(
                    self._sealer.open(
                        row.encryption_key_id, row.private_key_encrypted, _context(row.encryption_key_id)
                    ),
                    kid=row.kid,
                )
            self._current_read_at = now
        return self._current

    async def public_keys(self) -> list[dict[str, Any]]:
        """The current key first, then the retired ones still published, most recently retired first."""
        async with self._session_factory() as session:
            rows = (
                await session.execute(
                    select(col(SigningKeyRow.public_jwk))
                    .where(
                        or_(
                            col(SigningKeyRow.retired_at).is_(None),
                            col(SigningKeyRow.retired_at) > self._policy.published_since(self._clock()),
                        )
                    )
                    .order_by(
                        col(SigningKeyRow.retired_at).desc().nulls_first(),
                        col(SigningKeyRow.created_at).desc(),
                    )
                )
            ).scalars()
            return [json.loads(jwk) for jwk in rows]

    async def rotate(self, *, force: bool = False) -> str | None:
        """Replace the signing key when it is due (or `force`d); the new `kid`, or None when none was due.

        Replicas and the CLI take one advisory lock, so a due rotation creates one key however many check
        at once. Retired keys no valid token can need any more are deleted in the same transaction.
        """
        created: SigningKey | None = None
        async with self._session_factory() as session, session.begin():
            await session.execute(select(func.pg_advisory_xact_lock(ROTATION_LOCK)))
            now = self._clock()
            newest = await self._newest(session)
            if force or self._policy.is_due(newest.created_at if newest else None, now):
                created = SigningKey.generate()
                await session.execute(
                    update(SigningKeyRow)
                    .where(col(SigningKeyRow.retired_at).is_(None))
                    .values(retired_at=now)
                )
                key_id = self._sealer.current_key_id
                encryption_key_id, sealed = self._sealer.seal(created.private_pem(), _context(key_id))
                session.add(
                    SigningKeyRow(
                        kid=created.kid,
                        public_jwk=json.dumps(created.public_jwk()),
                        private_key_encrypted=sealed,
                        encryption_key_id=encryption_key_id,
                        created_at=now,
                    )
                )
            await session.execute(
                delete(SigningKeyRow).where(
                    col(SigningKeyRow.retired_at) <= self._policy.published_since(now)
                )
            )
        if created is None:
            return None
        self._current, self._current_read_at = created, now
        return created.kid

    async def _newest(self, session: AsyncSession | None = None) -> SigningKeyRow | None:
        query = (
            select(SigningKeyRow)
            .where(col(SigningKeyRow.retired_at).is_(None))
            .order_by(col(SigningKeyRow.created_at).desc())
            .limit(1)
        )
        if session is not None:
            return (await session.execute(query)).scalar_one_or_none()
        async with self._session_factory() as own:
            return (await own.execute(query)).scalar_one_or_none()


class JwtAccessTokenIssuer:
    def __init__(
        self, keys: SqlSigningKeyStore, settings: TokenIssuingSettings, clock: Callable[[], datetime]
    ) -> None:
        self._keys = keys
        self._settings = settings
        self._clock = clock

    async def issue(self, user: User, *, session_id: UUID, scopes: frozenset[str]) -> IssuedTokens:
        return await self._sign(user.id, session_id=session_id, roles=user.roles, scopes=scopes)

    async def issue_for_client(self, client_id: UUID, *, scopes: frozenset[str]) -> IssuedTokens:
        return await self._sign(client_id, session_id=None, roles=frozenset({SERVICE}), scopes=scopes)

    async def issue_for_api_key(self, user_id: UUID, *, scopes: frozenset[str]) -> IssuedTokens:
        return await self._sign(user_id, session_id=None, roles=API_KEY_ROLES, scopes=scopes)

    async def _sign(
        self, subject: UUID, *, session_id: UUID | None, roles: frozenset[str], scopes: frozenset[str]
    ) -> IssuedTokens:
        ttl = self._settings.access_token_ttl_seconds
        token = issue_access_token(
            await self._keys.current(),
            issuer=self._settings.issuer,
            audience=self._settings.audience,
            subject=subject,
            session_id=session_id,
            roles=roles,
            scopes=scopes,
            ttl=timedelta(seconds=ttl),
            now=self._clock(),
            token_id=str(uuid7()),
        )
        return IssuedTokens(access_token=token, expires_in=ttl, scope=" ".join(sorted(scopes)))
