"""Use case: log out — end the current session, and the one a presented refresh token belongs to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.revoke_sessions import revoke_sessions
from nocturna_auth.application.session_tokens import RefreshTokenSecrets
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.sessions import RevocationReason, Session


@dataclass(frozen=True)
class LogOut:
    user_id: UUID | None = None
    """The bearer's account; None when the client logs out with its refresh token alone."""
    session_id: UUID | None = None
    refresh_token: str | None = None


class LogOutHandler:
    """Like token revocation (RFC 7009): an unknown or foreign refresh token is ignored, not an error."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        secrets: RefreshTokenSecrets,
        clock: Callable[[], datetime],
        access_token_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._secrets = secrets
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: LogOut) -> int:
        """How many sessions ended."""
        async with self._uow() as uow:
            ending: dict[UUID, Session] = {}
            if command.session_id is not None:
                session = await uow.sessions.get(command.session_id)
                if session is not None and session.user_id == command.user_id:
                    ending[session.id] = session
            if command.refresh_token:
                token = await uow.refresh_tokens.get(self._secrets.digest(command.refresh_token))
                session = await uow.sessions.get(token.session_id) if token else None
                if session is not None and command.user_id in (None, session.user_id):
                    ending[session.id] = session
            ended = await revoke_sessions(
                uow,
                ending.values(),
                reason=RevocationReason.LOGOUT,
                now=self._clock(),
                access_token_ttl=self._access_token_ttl,
            )
            await uow.commit()
        return ended
