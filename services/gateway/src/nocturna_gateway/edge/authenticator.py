"""Turning a presented credential (access token or API key) into a `Principal`, or refusing it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from nocturna_platform.security.dependencies import BearerVerifier
from nocturna_platform.security.jwks import KeySetUnavailableError
from nocturna_platform.security.principal import Principal
from nocturna_platform.security.verifier import InvalidToken
from redis.exceptions import RedisError

from nocturna_gateway.edge.api_keys import (
    API_KEY_PREFIX,
    REFUSED,
    ApiKeyCache,
    ApiKeyGrant,
    ApiKeyIntrospection,
    PresentedApiKey,
    Refused,
)
from nocturna_gateway.edge.deny_list import DenyList, RecentlyCleared
from nocturna_gateway.edge.errors import AuthenticationUnavailable, RefusalReason, Unauthenticated
from nocturna_gateway.edge.introspection import IntrospectionUnavailable
from nocturna_gateway.edge.metrics import EdgeAuthMetrics
from nocturna_gateway.edge.verified_tokens import VerifiedTokens

logger = logging.getLogger("nocturna.gateway.edge")


class ApiKeyResolver:
    """Cache first (shared by every replica), then auth's introspection; refusals are cached briefly too.
    Redis failing only costs an introspection per request."""

    def __init__(
        self,
        cache: ApiKeyCache,
        introspection: ApiKeyIntrospection,
        clock: Callable[[], datetime],
        metrics: EdgeAuthMetrics,
    ) -> None:
        self._cache = cache
        self._introspection = introspection
        self._clock = clock
        self._metrics = metrics

    async def resolve(self, raw_key: str) -> ApiKeyGrant | None:
        """The grant of an active key, None when it must not be honoured; raises `AuthenticationUnavailable`."""
        key = PresentedApiKey.parse(raw_key)
        if key is None:
            return None
        try:
            cached = await self._cache.get(key)
        except RedisError:
            logger.warning("API-key cache unavailable; introspecting", exc_info=True)
            self._metrics.redis_unavailable.labels("api_key_cache").inc()
            cached = None
        if cached is None:
            cached = await self._introspect(key, raw_key)
        if isinstance(cached, Refused):
            return None
        if cached.expires_at is not None and cached.expires_at <= self._clock():
            return None
        return cached

    async def _introspect(self, key: PresentedApiKey, raw_key: str) -> ApiKeyGrant | Refused:
        try:
            grant = await self._introspection.introspect(raw_key)
        except IntrospectionUnavailable as error:
            logger.warning("API-key introspection unavailable: %s", error)
            raise AuthenticationUnavailable() from error
        resolution = grant or REFUSED
        try:
            await self._cache.put(key, resolution)
        except RedisError:
            self._metrics.redis_unavailable.labels("api_key_cache").inc()
        return resolution


class EdgeAuthenticator:
    """Verifies access tokens (signature, claims, then the deny-list) and resolves API keys.

    `authenticate_credential` is what the WebSocket uses for the token of its first message."""

    def __init__(
        self,
        verifier: BearerVerifier,
        deny_list: DenyList,
        api_keys: ApiKeyResolver | None,
        clock: Callable[[], datetime],
        metrics: EdgeAuthMetrics,
        verified_tokens: VerifiedTokens,
        recently_cleared: RecentlyCleared,
    ) -> None:
        self._verifier = verifier
        self._deny_list = deny_list
        self._cleared = recently_cleared
        self._api_keys = api_keys
        self._clock = clock
        self._metrics = metrics
        self._verified = verified_tokens

    async def authenticate_credential(self, token: str) -> Principal:
        """An access token or an API key (`nct_live_…`) → its principal; raises `Unauthenticated` (401) or
        `AuthenticationUnavailable` (503), both `EdgeAuthenticationError`."""
        if token.startswith(API_KEY_PREFIX):
            return await self.authenticate_api_key(token)
        return await self.authenticate_access_token(token)

    async def authenticate_access_token(self, token: str) -> Principal:
        principal = self._verified.get(token, self._clock().timestamp())
        if principal is None:
            principal = await self._verify(token)
            self._verified.put(token, principal)
        await self._refuse_if_denied(principal)
        return principal

    async def authenticate_api_key(self, raw_key: str) -> Principal:
        return (await self.resolve_api_key(raw_key)).principal()

    async def resolve_api_key(self, raw_key: str) -> ApiKeyGrant:
        """The grant of an active key whose owner is not deny-listed (the HTTP edge needs its token)."""
        if self._api_keys is None:
            raise self._refuse("api_keys_not_accepted")
        grant = await self._api_keys.resolve(raw_key)
        if grant is None:
            raise self._refuse("inactive_api_key")
        await self._refuse_if_denied(grant.principal())
        return grant

    async def _verify(self, token: str) -> Principal:
        try:
            return await self._verifier.verify(token)
        except InvalidToken as error:
            raise self._refuse("invalid_token") from error
        except KeySetUnavailableError as error:
            raise AuthenticationUnavailable() from error

    async def _refuse_if_denied(self, principal: Principal) -> None:
        now = self._clock().timestamp()
        if self._cleared.covers(principal, now):
            return
        try:
            denied = await self._deny_list.denies(principal)
        except RedisError:
            # Fail open: the token is still cryptographically valid and ends within minutes; a Redis outage
            # must not take the API down. Logged and counted.
            logger.warning("deny-list unavailable; token accepted unchecked", exc_info=True)
            self._metrics.redis_unavailable.labels("deny_list").inc()
            return
        if denied:
            raise self._refuse("revoked")
        self._cleared.remember(principal, now)

    def _refuse(self, reason: RefusalReason) -> Unauthenticated:
        refusal = Unauthenticated(reason)
        self._metrics.refusals.labels(reason).inc()
        return refusal
