"""API keys at the edge: a presented key resolved to its owner through auth, with a short shared cache."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Protocol
from uuid import UUID

import redis.asyncio as aioredis
from nocturna_platform.security.principal import Principal

API_KEY_PREFIX: Final = "nct_live_"
_SHAPE = re.compile(r"nct_live_[a-z0-9]{8}_[A-Za-z0-9]{43}")
_NO_EXPIRY = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PresentedApiKey:
    """A key shaped like auth's (`nct_live_<public id>_<secret>`); only its prefix and digest are kept."""

    prefix: str
    digest: str

    @classmethod
    def parse(cls, raw: str) -> PresentedApiKey | None:
        if _SHAPE.fullmatch(raw) is None:
            return None
        return cls(prefix=raw[: len(API_KEY_PREFIX) + 8], digest=hashlib.sha256(raw.encode()).hexdigest())


@dataclass(frozen=True)
class ApiKeyGrant:
    """What an active key lets its holder do: act as `user_id` with the key's roles and scopes.

    `upstream_token` is the access token auth issued for the key: requests go upstream with it, so every
    service keeps verifying one kind of credential. It lives no longer than the cached grant needs."""

    user_id: UUID
    api_key_id: UUID
    roles: frozenset[str]
    scopes: frozenset[str]
    expires_at: datetime | None
    upstream_token: str | None = field(default=None, repr=False)

    def principal(self) -> Principal:
        """`token_id` is the key's id, so limits and logs can tell keys apart; no session."""
        return Principal(
            subject=self.user_id,
            session_id=None,
            roles=self.roles,
            scopes=self.scopes,
            token_id=str(self.api_key_id),
            expires_at=self.expires_at or _NO_EXPIRY,
        )


class Refused:
    """A cached "this key must not be honoured"."""


REFUSED: Final = Refused()

Resolution = ApiKeyGrant | Refused


class ApiKeyIntrospection(Protocol):
    async def introspect(self, raw_key: str) -> ApiKeyGrant | None:
        """The grant of an active key, None for any key auth refuses; raises when auth cannot answer."""
        ...


class ApiKeyCache(Protocol):
    """Resolutions by key digest; a forgotten prefix is not served from the cache until its entries lapse."""

    async def get(self, key: PresentedApiKey) -> Resolution | None: ...

    async def put(self, key: PresentedApiKey, resolution: Resolution) -> None: ...

    async def forget(self, prefix: str) -> None: ...


class RedisApiKeyCache:
    """Active grants under the key's prefix (holding the digest), refusals under the digest, and a tombstone
    per revoked prefix that outlives any grant written by an introspection still in flight at revocation.
    A lookup is one `MGET`."""

    def __init__(
        self,
        redis: aioredis.Redis,
        key_prefix: str,
        *,
        grant_seconds: float,
        refusal_seconds: float,
        tombstone_seconds: float,
    ) -> None:
        self._redis = redis
        self._base = f"{key_prefix}gateway:api-key:"
        self._grant_ms = int(grant_seconds * 1000)
        self._refusal_ms = int(refusal_seconds * 1000)
        self._tombstone_ms = int(tombstone_seconds * 1000)

    def _grant_key(self, prefix: str) -> str:
        return f"{self._base}grant:{prefix}"

    def _refusal_key(self, digest: str) -> str:
        return f"{self._base}refused:{digest}"

    def _tombstone_key(self, prefix: str) -> str:
        return f"{self._base}revoked:{prefix}"

    async def get(self, key: PresentedApiKey) -> Resolution | None:
        grant, refusal, tombstone = await self._redis.mget(
            self._grant_key(key.prefix), self._refusal_key(key.digest), self._tombstone_key(key.prefix)
        )
        if refusal is not None:
            return REFUSED
        if grant is None or tombstone is not None:
            return None
        document = json.loads(grant)
        if document["digest"] != key.digest:
            return None  # another secret under the same public id: auth decides
        return _grant_from(document)

    async def put(self, key: PresentedApiKey, resolution: Resolution) -> None:
        if isinstance(resolution, Refused):
            await self._redis.set(self._refusal_key(key.digest), b"1", px=self._refusal_ms)
            return
        document = {"digest": key.digest, **_grant_document(resolution)}
        await self._redis.set(self._grant_key(key.prefix), json.dumps(document), px=self._grant_ms)

    async def forget(self, prefix: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._tombstone_key(prefix), b"1", px=self._tombstone_ms)
            pipe.delete(self._grant_key(prefix))
            await pipe.execute()


def _grant_document(grant: ApiKeyGrant) -> dict[str, object]:
    return {
        "user_id": str(grant.user_id),
        "api_key_id": str(grant.api_key_id),
        "roles": sorted(grant.roles),
        "scopes": sorted(grant.scopes),
        "expires_at": int(grant.expires_at.timestamp()) if grant.expires_at else None,
        "upstream_token": grant.upstream_token,
    }


def _grant_from(document: dict[str, object]) -> ApiKeyGrant:
    expires_at = document["expires_at"]
    return ApiKeyGrant(
        user_id=UUID(str(document["user_id"])),
        api_key_id=UUID(str(document["api_key_id"])),
        roles=frozenset(_strings(document["roles"])),
        scopes=frozenset(_strings(document["scopes"])),
        expires_at=datetime.fromtimestamp(expires_at, UTC) if isinstance(expires_at, int) else None,
        upstream_token=str(document["upstream_token"]) if document.get("upstream_token") else None,
    )


def _strings(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []
