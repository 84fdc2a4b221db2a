"""Use case: sign out everywhere else — every active session of the caller except the current one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.revoke_sessions import revoke_sessions
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.sessions import RevocationReason


@dataclass(frozen=True)
class RevokeOtherSessions:
    user_id: UUID
    current_session_id: UUID | None


class RevokeOtherSessionsHandler:
    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        clock: Callable[[], datetime],
        access_token_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: RevokeOtherSessions) -> int:
        """How many sessions ended."""
        async with self._uow() as uow:
            others = [
                session
                for session in await uow.sessions.active_for_user(command.user_id)
                if session.id != command.current_session_id
            ]
            ended = await revoke_sessions(
                uow,
                others,
                reason=RevocationReason.REVOKED,
                now=self._clock(),
                access_token_ttl=self._access_token_ttl,
            )
            await uow.commit()
        return ended
