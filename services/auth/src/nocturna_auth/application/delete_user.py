"""Use case: an admin deletes an account (not their own: that is `DELETE /me`, with the password)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.erase_user import erase_user
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.users import SelfLockout, UserNotFound


@dataclass(frozen=True)
class DeleteUser:
    user_id: UUID
    admin_id: UUID


class DeleteUserHandler:
    def __init__(
        self, uow: Callable[[], AuthUnitOfWork], clock: Callable[[], datetime], access_token_ttl: timedelta
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: DeleteUser) -> None:
        if command.user_id == command.admin_id:
            raise SelfLockout("delete your own account with DELETE /api/v1/auth/me")
        async with self._uow() as uow:
            user = await uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound("no such user")
            await erase_user(uow, user, now=self._clock(), access_token_ttl=self._access_token_ttl)
            await uow.commit()
