"""What OpenID Connect sign-in needs from outside: the providers, and a short-lived store of started logins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from nocturna_auth.domain.external_identities import ExternalIdentity


@dataclass(frozen=True)
class OidcLoginFlow:
    """One started login, kept server-side under its `state` until the callback (or expiry)."""

    provider: str
    nonce: str
    code_verifier: str


class OpenIdProviders(Protocol):
    """Port: the configured providers (authorization code flow with PKCE S256)."""

    def knows(self, provider: str) -> bool: ...

    async def authorization_url(self, provider: str, *, state: str, nonce: str, code_verifier: str) -> str:
        """Where the browser goes to sign in at the provider; `ProviderUnavailable` if discovery fails."""
        ...

    async def identify(self, provider: str, *, code: str, code_verifier: str, nonce: str) -> ExternalIdentity:
        """Exchange the code and verify the ID token (signature by the provider's JWKS, iss, aud, exp,
        nonce); `IdentityRejected` or `ProviderUnavailable` otherwise."""
        ...


class OidcLoginFlows(Protocol):
    """Port: started logins by state, each taken at most once."""

    async def put(self, state: str, flow: OidcLoginFlow, ttl: timedelta) -> None: ...

    async def take(self, state: str) -> OidcLoginFlow | None:
        """The flow saved under `state`, removed; None when unknown, expired or taken already."""
        ...
