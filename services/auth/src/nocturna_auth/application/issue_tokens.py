"""Use case: the OAuth2 password grant (first-party clients) → a new session's access and refresh tokens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nocturna_auth.application.session_tokens import IssuedTokens, SessionTokenIssuer
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.scopes import catalogued_scopes
from nocturna_auth.domain.users import (
    AccountDisabled,
    InvalidCredentials,
    InvalidEmail,
    PasswordHasher,
    normalise_email,
)


@dataclass(frozen=True)
class PasswordGrant:
    email: str
    password: str
    scope: str = ""
    user_agent: str | None = None
    ip: str | None = None


class PasswordGrantHandler:
    """Checks the requested scopes against the catalogue, then the credentials (same answer for unknown email
    and wrong password), and starts a session."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        tokens: SessionTokenIssuer,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens

    async def __call__(self, grant: PasswordGrant) -> IssuedTokens:
        scopes = catalogued_scopes(grant.scope)
        try:
            email = normalise_email(grant.email)
        except InvalidEmail as error:
            raise InvalidCredentials("invalid email or password") from error
        async with self._uow() as uow:
            user = await uow.users.by_email(email)
            if user is None:
                await self._hasher.hash(grant.password)  # same cost as a real check: no timing oracle
                raise InvalidCredentials("invalid email or password")
            if not await user.authenticate(grant.password, self._hasher):
                raise InvalidCredentials("invalid email or password")
            if user.is_disabled:
                raise AccountDisabled("this account is disabled")
            await uow.users.save(user)
            issued = await self._tokens.start_session(
                uow, user, scopes=scopes, user_agent=grant.user_agent, ip=grant.ip
            )
            await uow.commit()
        return issued
