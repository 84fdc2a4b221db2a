"""Use case: end one of the caller's sessions (signing a lost device out)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.revoke_sessions import revoke_sessions
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.sessions import RevocationReason, SessionNotFound


@dataclass(frozen=True)
class RevokeSession:
    session_id: UUID
    requester_id: UUID
    may_revoke_any: bool = False
    """Admins may end anyone's session; everybody else only their own."""


class RevokeSessionHandler:
    """Ends an active session of the requester; another user's or an unknown session is not found."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        clock: Callable[[], datetime],
        access_token_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: RevokeSession) -> None:
        now = self._clock()
        async with self._uow() as uow:
            session = await uow.sessions.get(command.session_id)
            if (
                session is None
                or not session.is_active(now)
                or (session.user_id != command.requester_id and not command.may_revoke_any)
            ):
                raise SessionNotFound("no such session")
            await revoke_sessions(
                uow,
                [session],
                reason=RevocationReason.REVOKED,
                now=now,
                access_token_ttl=self._access_token_ttl,
            )
            await uow.commit()
