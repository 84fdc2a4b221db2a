"""Use case: the OAuth2 refresh-token grant → a new pair for the same session, the old token rotated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from nocturna_auth.application.revoke_sessions import revoke_sessions
from nocturna_auth.application.session_tokens import IssuedTokens, RefreshTokenSecrets, SessionTokenIssuer
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.refresh_tokens import InvalidRefreshToken, RefreshTokenReused
from nocturna_auth.domain.scopes import narrow_scopes, parse_scopes
from nocturna_auth.domain.sessions import RevocationReason

INVALID = "the refresh token is invalid, expired or revoked"


@dataclass(frozen=True)
class RefreshTokenGrant:
    refresh_token: str
    scope: str = ""
    user_agent: str | None = None
    ip: str | None = None


class RefreshTokenGrantHandler:
    """Rotates a refresh token: each is usable once, and its successor keeps the session going.

    The token row is locked, so concurrent refreshes run one after the other. A rotated token presented
    again within the grace window gets the pair its rotation issued (the same client refreshing twice at
    once); later, it can only be a stolen copy, so the whole session is revoked.
    """

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        tokens: SessionTokenIssuer,
        secrets: RefreshTokenSecrets,
        clock: Callable[[], datetime],
        *,
        reuse_grace: timedelta,
        access_token_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._secrets = secrets
        self._clock = clock
        self._reuse_grace = reuse_grace
        self._access_token_ttl = access_token_ttl

    async def __call__(self, grant: RefreshTokenGrant) -> IssuedTokens:
        async with self._uow() as uow:
            token = await uow.refresh_tokens.get_for_update(self._secrets.digest(grant.refresh_token))
            if token is None:
                raise InvalidRefreshToken(INVALID)
            session = await uow.sessions.get_for_update(token.session_id)
            now = self._clock()
            if session is None or not session.is_active(now):
                raise InvalidRefreshToken(INVALID)
            user = await uow.users.get(session.user_id)
            if user is None or user.is_disabled:
                raise InvalidRefreshToken(INVALID)
            if token.is_rotated:
                if token.in_grace(now, self._reuse_grace) and token.successor is not None:
                    issued = self._secrets.unseal(token.successor, grant.refresh_token)
                    if issued is not None:
                        return issued
                await revoke_sessions(
                    uow,
                    [session],
                    reason=RevocationReason.REFRESH_TOKEN_REUSE,
                    now=now,
                    access_token_ttl=self._access_token_ttl,
                )
                await uow.commit()
                raise RefreshTokenReused(INVALID)
            if token.is_expired(now):
                raise InvalidRefreshToken(INVALID)
            scopes = narrow_scopes(parse_scopes(grant.scope), token.scopes)
            session.touch(now, ip=grant.ip, user_agent=grant.user_agent)
            await uow.sessions.save(session)
            issued = await self._tokens.rotate(uow, user, session, token, grant.refresh_token, scopes=scopes)
            await uow.commit()
        return issued
