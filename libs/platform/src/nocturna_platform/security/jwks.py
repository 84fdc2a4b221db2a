"""Verification keys by `kid`: auth's JWKS fetched and cached, or a static set for tests and local runs."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Protocol

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from nocturna_platform.security.signing import ALGORITHM, CURVE, SigningKey
from nocturna_platform.settings import TokenVerificationSettings

logger = logging.getLogger(__name__)


class VerificationKeys(Protocol):
    async def get(self, kid: str) -> ECKey | None:
        """The public key for `kid`, or None when no such key is (still) published."""
        ...


class KeySetUnavailableError(Exception):
    """No key set could ever be fetched, so no token can be verified yet (auth unreachable since start-up)."""


def parse_jwks(document: object) -> dict[str, ECKey]:
    """The usable keys of a JWKS document by `kid`: EC P-256 signature keys; any other entry is skipped."""
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ValueError("not a JWKS document")
    keys: dict[str, ECKey] = {}
    for entry in entries:
        key = _verification_key(entry)
        if key is not None:
            keys[str(key.kid)] = key
    return keys


def _verification_key(entry: object) -> ECKey | None:
    if not isinstance(entry, dict):
        return None
    kid, x, y = entry.get("kid"), entry.get("x"), entry.get("y")
    if (
        entry.get("kty") != "EC"
        or entry.get("crv") != CURVE
        or entry.get("use", "sig") != "sig"
        or entry.get("alg", ALGORITHM) != ALGORITHM
        or not (isinstance(kid, str) and kid and isinstance(x, str) and isinstance(y, str))
    ):
        return None
    try:
        # Only the public coordinates are imported: a private `d` published by mistake is never used.
        return ECKey.import_key({"kty": "EC", "crv": CURVE, "x": x, "y": y}, {"kid": kid})
    except (JoseError, ValueError, TypeError):
        return None


class StaticKeySet:
    """A fixed set of verification keys."""

    def __init__(self, keys: Mapping[str, ECKey]) -> None:
        self._keys = dict(keys)

    @classmethod
    def from_jwks(cls, document: object) -> StaticKeySet:
        return cls(parse_jwks(document))

    @classmethod
    def from_signing_keys(cls, *signing_keys: SigningKey) -> StaticKeySet:
        return cls.from_jwks({"keys": [key.public_jwk() for key in signing_keys]})

    async def get(self, kid: str) -> ECKey | None:
        return self._keys.get(kid)


class JwksCache:
    """Auth's JWKS, cached for `jwks_cache_seconds`; refetched when stale or on an unknown `kid`.

    Fetches happen at most once per `jwks_min_refresh_seconds` and one at a time, so a flood of random
    `kid`s cannot hammer auth; a failed fetch keeps the last good set.
    """

    def __init__(
        self,
        settings: TokenVerificationSettings,
        http: httpx.AsyncClient,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._http = http
        self._monotonic = monotonic
        self._keys: dict[str, ECKey] = {}
        self._loaded = False
        self._fetched_at = -math.inf
        self._attempted_at = -math.inf
        self._attempts = 0
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> ECKey | None:
        key = self._keys.get(kid)
        if key is not None and self._monotonic() - self._fetched_at < self._settings.jwks_cache_seconds:
            return key
        await self._refresh()
        if not self._loaded:
            raise KeySetUnavailableError(self._settings.jwks_url)
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        attempts_seen = self._attempts
        async with self._lock:
            if self._attempts != attempts_seen:
                return  # another caller fetched while this one waited for the lock
            now = self._monotonic()
            if now - self._attempted_at < self._settings.jwks_min_refresh_seconds:
                return
            self._attempted_at = now
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError) as error:
                logger.warning("JWKS refresh from %s failed: %r", self._settings.jwks_url, error)
                return
            else:
                self._keys, self._fetched_at, self._loaded = keys, now, True
            finally:
                self._attempts += 1

    async def _fetch(self) -> dict[str, ECKey]:
        response = await self._http.get(self._settings.jwks_url, headers={"Accept": "application/json"})
        response.raise_for_status()
        keys = parse_jwks(response.json())
        if not keys:
            raise ValueError("the JWKS holds no usable ES256 key")
        return keys
