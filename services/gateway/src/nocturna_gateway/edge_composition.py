"""Building edge authentication from the gateway's settings (called by `bootstrap.py` only)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

import httpx
from fastapi import FastAPI
from nocturna_platform.security.jwks import JwksCache
from nocturna_platform.security.verifier import TokenVerifier
from nocturna_platform.shell import ServiceShell
from starlette.middleware import Middleware

from nocturna_gateway.consumers import revocations as revocation_consumers
from nocturna_gateway.edge.api_keys import RedisApiKeyCache
from nocturna_gateway.edge.authenticator import ApiKeyResolver, EdgeAuthenticator
from nocturna_gateway.edge.deny_list import RecentlyCleared, RedisDenyList
from nocturna_gateway.edge.introspection import HttpApiKeyIntrospection
from nocturna_gateway.edge.metrics import EdgeAuthMetrics
from nocturna_gateway.edge.middleware import EdgeAuthenticationMiddleware
from nocturna_gateway.edge.public_routes import PublicRoutes
from nocturna_gateway.edge.revocations import Revocations
from nocturna_gateway.edge.service_token import ClientCredentialsTokens
from nocturna_gateway.edge.verified_tokens import VerifiedTokens
from nocturna_gateway.settings import GatewaySettings

logger = logging.getLogger("nocturna.gateway.edge")


@dataclass(frozen=True)
class EdgeAuthentication:
    authenticator: EdgeAuthenticator
    verifier: TokenVerifier
    revocations: Revocations

    @classmethod
    def build(
        cls, shell: ServiceShell, settings: GatewaySettings, erase_plan: Callable[[UUID], Awaitable[None]]
    ) -> EdgeAuthentication:
        """`erase_plan`: the rate limiter's, for a deleted user."""
        edge, prefix = settings.edge_auth, settings.redis_key_prefix
        http = httpx.AsyncClient(timeout=httpx.Timeout(edge.introspection_timeout_seconds, connect=1.0))
        shell.on_stop(http.aclose)
        metrics = EdgeAuthMetrics(shell.metrics.registry)
        verifier = TokenVerifier(settings.tokens, JwksCache(settings.tokens, http), shell.clock)
        deny_list = RedisDenyList(shell.redis, prefix)
        api_key_cache = RedisApiKeyCache(
            shell.redis,
            prefix,
            grant_seconds=edge.api_key_cache_seconds,
            refusal_seconds=edge.api_key_negative_cache_seconds,
            # Outlives a grant written by an introspection that was in flight when the key was revoked.
            tombstone_seconds=edge.api_key_cache_seconds + edge.introspection_timeout_seconds + 1,
        )
        resolver = None
        if edge.service_client_id and edge.service_client_secret:
            tokens = ClientCredentialsTokens(
                http,
                settings.upstreams.auth,
                edge.service_client_id,
                edge.service_client_secret.get_secret_value(),
            )
            introspection = HttpApiKeyIntrospection(http, settings.upstreams.auth, tokens)
            resolver = ApiKeyResolver(api_key_cache, introspection, shell.clock, metrics)
        else:
            logger.warning("EDGE_AUTH__SERVICE_CLIENT_ID/SECRET are not set: API keys are refused")
        authenticator = EdgeAuthenticator(
            verifier,
            deny_list,
            resolver,
            shell.clock,
            metrics,
            VerifiedTokens(edge.verified_token_cache_size, settings.tokens.leeway_seconds),
            RecentlyCleared(edge.deny_list_recheck_seconds, edge.verified_token_cache_size),
        )
        revocations = Revocations(
            deny_list,
            api_key_cache,
            shell.clock,
            erase_plan=erase_plan,
            max_access_token_seconds=edge.max_access_token_seconds,
            leeway_seconds=settings.tokens.leeway_seconds,
        )
        if shell.messaging is not None:
            revocation_consumers.subscribe(shell.messaging.subscriptions, revocations)
        return cls(authenticator, verifier, revocations)

    def middleware(self) -> Middleware:
        return Middleware(
            EdgeAuthenticationMiddleware, authenticator=self.authenticator, public_routes=PublicRoutes.of()
        )

    def install(self, app: FastAPI) -> None:
        """One JWKS cache per process: the platform's dependencies use the edge's verifier too."""
        app.state.token_verifier = self.verifier
        app.state.edge_authenticator = self.authenticator
