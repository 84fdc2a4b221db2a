"""OpenID Connect providers through authlib's httpx client: discovery, authorization URL with PKCE S256,
code exchange, and ID-token verification (joserfc) against the provider's JWKS."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import httpx
from authlib.oauth2 import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from nocturna_auth.domain.external_identities import ExternalIdentity, IdentityRejected, ProviderUnavailable
from nocturna_auth.settings import OidcProviderSettings, OidcSettings

with warnings.catch_warnings():
    # authlib >= 1.8 warns at import that it prefers the `httpx2` fork; the whole fleet uses httpx.
    warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=DeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

ID_TOKEN_ALGORITHMS = ("RS256", "ES256", "PS256")
"""Asymmetric only: never `none`, never HMAC (the client secret is no signing key we accept)."""


def callback_path(provider: str) -> str:
    return f"/api/v1/auth/oidc/{provider}/callback"


class _Cached:
    def __init__(self, value: Any, ttl: float) -> None:
        self.value = value
        self.expires = time.monotonic() + ttl

    @property
    def fresh(self) -> bool:
        return time.monotonic() < self.expires


class AuthlibOpenIdProviders:
    """Discovery documents and key sets are cached for `metadata_cache_seconds`; an ID token signed by an
    unknown key refetches the key set once (the provider rotated)."""

    def __init__(
        self,
        settings: OidcSettings,
        redirect_base_url: str,
        clock: Callable[[], datetime],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._providers: Mapping[str, OidcProviderSettings] = settings.providers
        self._redirect_base_url = redirect_base_url.rstrip("/")
        self._clock = clock
        self._transport = transport
        self._metadata: dict[str, _Cached] = {}
        self._keys: dict[str, _Cached] = {}

    def knows(self, provider: str) -> bool:
        return provider in self._providers

    def _client(self, provider: str) -> AsyncOAuth2Client:
        config = self._providers[provider]
        return AsyncOAuth2Client(
            client_id=config.client_id,
            client_secret=config.client_secret.get_secret_value(),
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
            scope=" ".join(config.scopes),
            redirect_uri=self._redirect_base_url + callback_path(provider),
            code_challenge_method="S256",
            timeout=self._settings.http_timeout_seconds,
            transport=self._transport,
        )

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(
                timeout=self._settings.http_timeout_seconds, transport=self._transport
            ) as client:
                response = await client.get(url)
                response.raise_for_status()
                body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderUnavailable("the sign-in provider cannot be reached") from error
        if not isinstance(body, dict):
            raise ProviderUnavailable("the sign-in provider answered nonsense")
        return body

    async def _discovery(self, provider: str) -> dict[str, Any]:
        cached = self._metadata.get(provider)
        if cached is not None and cached.fresh:
            return dict(cached.value)
        metadata = await self._get_json(self._providers[provider].discovery_url)
        required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if any(not isinstance(metadata.get(name), str) for name in required):
            raise ProviderUnavailable("the provider's discovery document is incomplete")
        self._metadata[provider] = _Cached(metadata, self._settings.metadata_cache_seconds)
        return metadata

    async def _key_set(self, provider: str, jwks_uri: str, *, refresh: bool = False) -> KeySet:
        cached = self._keys.get(provider)
        if cached is not None and cached.fresh and not refresh:
            key_set: KeySet = cached.value
            return key_set
        try:
            key_set = KeySet.import_key_set(await self._get_json(jwks_uri))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError) as error:
            raise ProviderUnavailable("the provider's key set is unusable") from error
        self._keys[provider] = _Cached(key_set, self._settings.metadata_cache_seconds)
        return key_set

    async def authorization_url(self, provider: str, *, state: str, nonce: str, code_verifier: str) -> str:
        metadata = await self._discovery(provider)
        async with self._client(provider) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=state, code_verifier=code_verifier, nonce=nonce
            )
        return str(url)

    async def identify(self, provider: str, *, code: str, code_verifier: str, nonce: str) -> ExternalIdentity:
        metadata = await self._discovery(provider)
        try:
            async with self._client(provider) as client:
                token = await client.fetch_token(
                    metadata["token_endpoint"],
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
        except OAuth2Error as error:
            raise IdentityRejected("the provider refused the authorization code") from error
        except httpx.HTTPError as error:
            raise ProviderUnavailable("the sign-in provider cannot be reached") from error
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise IdentityRejected("the provider sent no ID token")
        claims = await self._verified_claims(provider, metadata, id_token, nonce)
        email = claims.get("email")
        name = claims.get("name")
        return ExternalIdentity(
            provider=provider,
            subject=str(claims["sub"]),
            email=email if isinstance(email, str) else None,
            email_verified=claims.get("email_verified") is True,
            name=name if isinstance(name, str) else None,
        )

    async def _verified_claims(
        self, provider: str, metadata: Mapping[str, Any], id_token: str, nonce: str
    ) -> dict[str, Any]:
        try:
            decoded = await self._decode(provider, metadata["jwks_uri"], id_token)
            jwt.JWTClaimsRegistry(
                now=int(self._clock().timestamp()),
                leeway=self._settings.id_token_leeway_seconds,
                iss={"essential": True, "value": metadata["issuer"]},
                aud={"essential": True, "value": self._providers[provider].client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise IdentityRejected("the provider's ID token is not valid") from error
        claims: dict[str, Any] = dict(decoded.claims)
        return claims

    async def _decode(self, provider: str, jwks_uri: str, id_token: str) -> jwt.Token:
        key_set = await self._key_set(provider, jwks_uri)
        try:
            return jwt.decode(id_token, key_set, algorithms=ID_TOKEN_ALGORITHMS)
        except JoseError:
            refreshed = await self._key_set(provider, jwks_uri, refresh=True)
            return jwt.decode(id_token, refreshed, algorithms=ID_TOKEN_ALGORITHMS)
