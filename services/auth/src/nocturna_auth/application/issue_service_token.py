"""Use case: the OAuth2 client-credentials grant → a `service` access token for another service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from nocturna_auth.application.session_tokens import AccessTokenIssuer, IssuedTokens
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.scopes import narrow_scopes, parse_scopes
from nocturna_auth.domain.service_clients import InvalidClient
from nocturna_auth.domain.users import PasswordHasher

INVALID = "client authentication failed"


@dataclass(frozen=True)
class ClientCredentialsGrant:
    client_id: str
    client_secret: str
    scope: str = ""


class ClientCredentialsGrantHandler:
    """Authenticates a service client (same answer and cost for unknown id and wrong secret) and issues a
    token with role `service`, no session and no refresh token, scoped within the client's scopes."""

    def __init__(
        self, uow: Callable[[], AuthUnitOfWork], hasher: PasswordHasher, issuer: AccessTokenIssuer
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._issuer = issuer

    async def __call__(self, grant: ClientCredentialsGrant) -> IssuedTokens:
        async with self._uow() as uow:
            client_id = _uuid(grant.client_id)
            client = await uow.service_clients.get(client_id) if client_id else None
            if client is None:
                await self._hasher.hash(grant.client_secret)  # same cost as a real check: no timing oracle
                raise InvalidClient(INVALID)
            stored_hash = client.secret_hash
            if not await client.authenticate(grant.client_secret, self._hasher) or client.is_disabled:
                raise InvalidClient(INVALID)
            if client.secret_hash != stored_hash:
                await uow.service_clients.save(client)
                await uow.commit()
        scopes = narrow_scopes(parse_scopes(grant.scope), client.scopes)
        return await self._issuer.issue_for_client(client.id, scopes=scopes)


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None
