"""Use case: an admin enables a disabled account again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.users import User, UserNotFound


@dataclass(frozen=True)
class EnableUser:
    user_id: UUID


class EnableUserHandler:
    """Idempotent; the user signs in again (ended sessions stay ended)."""

    def __init__(self, uow: Callable[[], AuthUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, command: EnableUser) -> User:
        async with self._uow() as uow:
            user = await uow.users.get_for_update(command.user_id)
            if user is None:
                raise UserNotFound("no such user")
            if user.enable():
                await uow.users.save(user)
                await uow.commit()
        return user
