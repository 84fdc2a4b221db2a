"""Use case (operator CLI): create an admin account, or promote an existing one. Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from nocturna_contracts.auth.v1 import UserRegistered, UserRolesChanged

from nocturna_auth.application.email_verification import mark_email_verified
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.users import (
    ADMIN_ROLE,
    ASSIGNABLE_ROLES,
    DomainError,
    PasswordHasher,
    PasswordPolicy,
    User,
    normalise_email,
)


class PasswordRequired(DomainError):
    """A new account needs a password; an existing one is promoted without one."""

    code = "password_required"


class AdminCreation(StrEnum):
    CREATED = "created"
    PROMOTED = "promoted"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class CreateAdmin:
    email: str
    password: str | None = None


@dataclass(frozen=True)
class CreatedAdmin:
    user: User
    outcome: AdminCreation


class CreateAdminHandler:
    """A new account is created verified with roles user+admin (`auth.user.registered.v1`); an existing one
    gains the admin role (`auth.user.roles_changed.v1`); an existing admin is left as it is."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._policy = policy
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, command: CreateAdmin) -> CreatedAdmin:
        email = normalise_email(command.email)
        now = self._clock()
        async with self._uow() as uow:
            user = await uow.users.by_email(email)
            if user is None:
                if command.password is None:
                    raise PasswordRequired("a new account needs a password")
                user = await User.register(
                    user_id=self._new_id(),
                    email=email,
                    password=command.password,
                    display_name=None,
                    hasher=self._hasher,
                    policy=self._policy,
                    now=now,
                )
                user.roles = ASSIGNABLE_ROLES
                uow.publish(
                    UserRegistered(
                        user_id=user.id,
                        email=user.email,
                        display_name=None,
                        email_verified=True,
                        registered_at=now,
                    )
                )
                mark_email_verified(uow, user, now)
                await uow.users.add(user)
                await uow.commit()
                return CreatedAdmin(user, AdminCreation.CREATED)
            if not user.assign_roles(user.roles | {ADMIN_ROLE}):
                return CreatedAdmin(user, AdminCreation.UNCHANGED)
            await uow.users.save(user)
            uow.publish(UserRolesChanged(user_id=user.id, roles=sorted(user.roles), changed_at=now))
            await uow.commit()
        return CreatedAdmin(user, AdminCreation.PROMOTED)
