"""Use case: register an account with email and password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_contracts.auth.v1 import UserRegistered

from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.users import EmailAlreadyRegistered, PasswordHasher, User, normalise_email


@dataclass(frozen=True)
class RegisterUser:
    email: str
    password: str
    display_name: str | None = None


class RegisterUserHandler:
    """Creates the account and announces `auth.user.registered.v1` in the same transaction."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, command: RegisterUser) -> User:
        email = normalise_email(command.email)
        async with self._uow() as uow:
            if await uow.users.by_email(email) is not None:
                raise EmailAlreadyRegistered("an account with this email exists")
            user = User.register(
                user_id=self._new_id(),
                email=email,
                password=command.password,
                display_name=command.display_name,
                hasher=self._hasher,
                now=self._clock(),
            )
            await uow.users.add(user)
            uow.publish(
                UserRegistered(
                    user_id=user.id,
                    email=user.email,
                    display_name=user.display_name,
                    email_verified=user.email_verified,
                    registered_at=user.created_at,
                )
            )
            await uow.commit()
        return user
