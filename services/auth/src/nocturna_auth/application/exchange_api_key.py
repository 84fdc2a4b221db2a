"""Query for the gateway: introspect an API key and, when active, issue an access token standing for it."""

from __future__ import annotations

from dataclasses import dataclass

from nocturna_auth.application.introspect_api_key import IntrospectApiKey, IntrospectApiKeyHandler
from nocturna_auth.application.session_tokens import AccessTokenIssuer, IssuedTokens
from nocturna_auth.domain.api_keys import ApiKey


@dataclass(frozen=True)
class ExchangedApiKey:
    key: ApiKey
    access: IssuedTokens


class ExchangeApiKeyHandler:
    """The gateway forwards API-key requests with this token, so every service keeps verifying one kind of
    credential (an ES256 access token). It carries the key's scopes, role `user` and no session; it never
    reaches the key's holder."""

    def __init__(self, introspect: IntrospectApiKeyHandler, issuer: AccessTokenIssuer) -> None:
        self._introspect = introspect
        self._issuer = issuer

    async def __call__(self, query: IntrospectApiKey) -> ExchangedApiKey | None:
        key = await self._introspect(query)
        if key is None:
            return None
        access = await self._issuer.issue_for_api_key(key.user_id, scopes=key.scopes)
        return ExchangedApiKey(key, access)
