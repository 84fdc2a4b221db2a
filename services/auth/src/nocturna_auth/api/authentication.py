"""How auth's own routes trust a bearer token: verified like everywhere, then checked against auth's data."""

from __future__ import annotations

from nocturna_platform.security.dependencies import BearerVerifier
from nocturna_platform.security.principal import Principal
from nocturna_platform.security.verifier import InvalidToken

from nocturna_auth.application.confirm_principal import ConfirmPrincipal, ConfirmPrincipalHandler


class LiveSubjectVerifier:
    """Signature and claims first (cheap refusals stay cheap), then the session, account or client must
    still be live: a revoked session or a disabled or deleted account stops working at once here.

    No cache: auth's own routes are few and each check is two primary-key reads, so every replica sees a
    revocation made by any other one immediately.
    """

    def __init__(self, verifier: BearerVerifier, confirm: ConfirmPrincipalHandler) -> None:
        self._verifier = verifier
        self._confirm = confirm

    async def verify(self, token: str) -> Principal:
        principal = await self._verifier.verify(token)
        query = ConfirmPrincipal(principal.subject, principal.session_id, is_service=principal.is_service)
        if not await self._confirm(query):
            raise InvalidToken("revoked")
        return principal
