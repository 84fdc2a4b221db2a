"""Use case: the OAuth2 password grant (first-party clients) → an access token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.sessions import Session
from nocturna_auth.domain.users import (
    AccountDisabled,
    InvalidCredentials,
    InvalidEmail,
    PasswordHasher,
    User,
    normalise_email,
)


@dataclass(frozen=True)
class PasswordGrant:
    email: str
    password: str
    scope: str = ""
    user_agent: str | None = None
    ip: str | None = None


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int


class AccessTokenIssuer(Protocol):
    """Port: signs access tokens with the current signing key."""

    async def issue(self, user: User, *, session_id: UUID, scopes: frozenset[str]) -> IssuedTokens: ...


class PasswordGrantHandler:
    """Checks the credentials (same answer for unknown email and wrong password) and issues a token."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        issuer: AccessTokenIssuer,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
        session_lifetime: timedelta,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._issuer = issuer
        self._clock = clock
        self._new_id = new_id
        self._session_lifetime = session_lifetime

    async def __call__(self, grant: PasswordGrant) -> IssuedTokens:
        try:
            email = normalise_email(grant.email)
        except InvalidEmail as error:
            raise InvalidCredentials("invalid email or password") from error
        async with self._uow() as uow:
            user = await uow.users.by_email(email)
            if user is None:
                self._hasher.hash(grant.password)  # same cost as a real check: no timing oracle
                raise InvalidCredentials("invalid email or password")
            if not user.authenticate(grant.password, self._hasher):
                raise InvalidCredentials("invalid email or password")
            if user.is_disabled:
                raise AccountDisabled("this account is disabled")
            session = Session.start(
                session_id=self._new_id(),
                user_id=user.id,
                now=self._clock(),
                lifetime=self._session_lifetime,
                user_agent=grant.user_agent,
                ip=grant.ip,
            )
            await uow.users.save(user)
            await uow.sessions.add(session)
            await uow.commit()
        scopes = frozenset(grant.scope.split())
        return await self._issuer.issue(user, session_id=session.id, scopes=scopes)
