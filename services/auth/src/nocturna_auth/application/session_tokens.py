"""Issuing a session's token pair: a signed access token plus the next link of its refresh-token chain."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.refresh_tokens import RefreshToken
from nocturna_auth.domain.sessions import Session
from nocturna_auth.domain.users import User

SECRET_BYTES = 32


def new_secret() -> str:
    """256 bits from the OS CSPRNG, URL-safe: refresh tokens and client secrets."""
    return secrets.token_urlsafe(SECRET_BYTES)


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    scope: str = ""


class AccessTokenIssuer(Protocol):
    """Port: signs access tokens with the current signing key."""

    async def issue(self, user: User, *, session_id: UUID, scopes: frozenset[str]) -> IssuedTokens: ...

    async def issue_for_client(self, client_id: UUID, *, scopes: frozenset[str]) -> IssuedTokens:
        """A `service` token: `sub` is the client id, no session."""
        ...

    async def issue_for_api_key(self, user_id: UUID, *, scopes: frozenset[str]) -> IssuedTokens:
        """A `user` token standing for an API key: the key's scopes, no session (so auth's own routes,
        which require a live session for user tokens, refuse it)."""
        ...


class RefreshTokenSecrets(Protocol):
    """Port: the stored digest of a refresh token, and a token pair sealed so only that token opens it."""

    def digest(self, secret: str) -> bytes: ...

    def seal(self, tokens: IssuedTokens, secret: str) -> bytes: ...

    def unseal(self, sealed: bytes, secret: str) -> IssuedTokens | None:
        """The sealed pair, or None when `secret` is not the one it was sealed under."""
        ...


class SessionTokenIssuer:
    """The one way a sign-in (password today, OpenID Connect later) or a refresh gets its token pair.

    Everything happens in the caller's unit of work; the caller commits.
    """

    def __init__(
        self,
        access: AccessTokenIssuer,
        secrets_: RefreshTokenSecrets,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
        *,
        session_lifetime: timedelta,
        refresh_token_ttl: timedelta,
    ) -> None:
        self._access = access
        self._secrets = secrets_
        self._clock = clock
        self._new_id = new_id
        self._session_lifetime = session_lifetime
        self._refresh_token_ttl = refresh_token_ttl

    async def start_session(
        self,
        uow: AuthUnitOfWork,
        user: User,
        *,
        scopes: frozenset[str],
        user_agent: str | None,
        ip: str | None,
    ) -> IssuedTokens:
        """Start a session for an authenticated `user` and issue its first pair."""
        session = Session.start(
            session_id=self._new_id(),
            user_id=user.id,
            now=self._clock(),
            lifetime=self._session_lifetime,
            user_agent=user_agent,
            ip=ip,
        )
        await uow.sessions.add(session)
        return await self._issue_pair(uow, user, session, scopes=scopes, chain_scopes=scopes)

    async def rotate(
        self,
        uow: AuthUnitOfWork,
        user: User,
        session: Session,
        token: RefreshToken,
        secret: str,
        *,
        scopes: frozenset[str],
    ) -> IssuedTokens:
        """Replace `token` (whose secret is `secret`) by a new pair; the pair stays sealed under `secret`."""
        issued = await self._issue_pair(uow, user, session, scopes=scopes, chain_scopes=token.scopes)
        token.rotate(self._clock(), self._secrets.seal(issued, secret))
        await uow.refresh_tokens.save(token)
        return issued

    async def _issue_pair(
        self,
        uow: AuthUnitOfWork,
        user: User,
        session: Session,
        *,
        scopes: frozenset[str],
        chain_scopes: frozenset[str],
    ) -> IssuedTokens:
        """An access token with `scopes` and a new refresh token of `session` that keeps `chain_scopes`."""
        secret = new_secret()
        await uow.refresh_tokens.add(
            RefreshToken.issue(
                digest=self._secrets.digest(secret),
                session=session,
                scopes=chain_scopes,
                now=self._clock(),
                ttl=self._refresh_token_ttl,
            )
        )
        access = await self._access.issue(user, session_id=session.id, scopes=scopes)
        return replace(access, refresh_token=secret)
