"""Use case: start a sign-in with an OpenID Connect provider."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from nocturna_auth.application.openid_providers import OidcLoginFlow, OidcLoginFlows, OpenIdProviders
from nocturna_auth.domain.external_identities import UnknownProvider


@dataclass(frozen=True)
class StartedOidcLogin:
    authorization_url: str
    state: str
    """Also bound to the browser (a cookie), so a callback carrying someone else's state is refused."""


class StartOidcLoginHandler:
    """Creates fresh `state`, `nonce` and PKCE verifier (256 bits each), keeps them server-side for `ttl`
    and answers the provider's authorization URL."""

    def __init__(self, providers: OpenIdProviders, flows: OidcLoginFlows, ttl: timedelta) -> None:
        self._providers = providers
        self._flows = flows
        self._ttl = ttl

    async def __call__(self, provider: str) -> StartedOidcLogin:
        if not self._providers.knows(provider):
            raise UnknownProvider(f"no sign-in provider is called {provider!r}")
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        code_verifier = secrets.token_urlsafe(48)  # 64 characters (RFC 7636: 43 to 128)
        url = await self._providers.authorization_url(
            provider, state=state, nonce=nonce, code_verifier=code_verifier
        )
        await self._flows.put(state, OidcLoginFlow(provider, nonce, code_verifier), self._ttl)
        return StartedOidcLogin(url, state)
