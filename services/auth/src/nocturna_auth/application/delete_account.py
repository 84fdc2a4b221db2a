"""Use case: a user deletes their own account, confirming it with their current password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.erase_user import erase_user
from nocturna_auth.application.limit_login_attempts import ThrottledPasswordCheck
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.users import PasswordMismatch, UserNotFound


@dataclass(frozen=True)
class DeleteAccount:
    user_id: UUID
    password: str
    ip: str | None = None


class DeleteAccountHandler:
    """A stolen access token alone cannot erase an account: the password is checked first, and wrong
    guesses count like failed sign-ins. The password is checked outside any transaction (see the password
    grant); the erasure happens only if the account still has the hash that was checked."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        password_check: ThrottledPasswordCheck,
        clock: Callable[[], datetime],
        access_token_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._password_check = password_check
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: DeleteAccount) -> None:
        async with self._uow() as uow:
            user = await uow.users.get(command.user_id)
        if user is None:
            raise UserNotFound("the account does not exist")
        checked_hash = user.password_hash
        if not await self._password_check(user, command.password, command.ip):
            raise PasswordMismatch("the password is not correct")
        async with self._uow() as uow:
            current = await uow.users.get_for_update(user.id)
            if current is None:
                raise UserNotFound("the account does not exist")
            if current.password_hash != checked_hash:  # changed meanwhile: what was checked is not current
                raise PasswordMismatch("the password is not correct")
            await erase_user(uow, current, now=self._clock(), access_token_ttl=self._access_token_ttl)
            await uow.commit()
