"""Use case: an admin disables an account; its sessions end, its API keys stop resolving while disabled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.revoke_sessions import revoke_all_sessions
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.sessions import RevocationReason
from nocturna_auth.domain.users import SelfLockout, User, UserNotFound


@dataclass(frozen=True)
class DisableUser:
    user_id: UUID
    admin_id: UUID


class DisableUserHandler:
    """Idempotent. Ends every session (`user_disabled`) and revokes nothing else: enabling restores the
    account with its API keys."""

    def __init__(
        self, uow: Callable[[], AuthUnitOfWork], clock: Callable[[], datetime], access_token_ttl: timedelta
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: DisableUser) -> User:
        if command.user_id == command.admin_id:
            raise SelfLockout("you cannot disable your own account")
        now = self._clock()
        async with self._uow() as uow:
            user = await uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound("no such user")
            if user.disable(now):
                await uow.users.save(user)
                await revoke_all_sessions(
                    uow,
                    user.id,
                    reason=RevocationReason.USER_DISABLED,
                    now=now,
                    access_token_ttl=self._access_token_ttl,
                )
                await uow.commit()
        return user
