"""Who opens a socket: the credential of the first message turned into a `Principal`."""

from __future__ import annotations

from typing import Protocol

from nocturna_platform.security.principal import Principal
from nocturna_platform.security.verifier import InvalidToken, TokenVerifier

API_KEY_PREFIX = "nct_live_"


class CredentialAuthenticator(Protocol):
    async def authenticate_credential(self, token: str) -> Principal:
        """The principal an access JWT or an API key (`nct_live_…`) proves; raises when it proves nothing."""
        ...


class AccessTokenAuthenticator:
    """Access tokens only, verified with auth's cached JWKS; API keys are refused here (the edge
    authenticator of the gateway, which resolves keys through auth, serves both)."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def authenticate_credential(self, token: str) -> Principal:
        if token.startswith(API_KEY_PREFIX):
            raise InvalidToken("malformed")
        return await self._verifier.verify(token)
