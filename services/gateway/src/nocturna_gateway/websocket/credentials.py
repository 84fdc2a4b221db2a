"""Who opens a socket: the credential of the first message turned into a `Principal`."""

from __future__ import annotations

from typing import Protocol

from nocturna_platform.security.principal import Principal


class CredentialAuthenticator(Protocol):
    async def authenticate_credential(self, token: str) -> Principal:
        """The principal an access JWT or an API key (`nct_live_…`) proves; raises when it proves nothing
        (an exception with `close_code` 1013 when the credential cannot be checked now)."""
        ...
