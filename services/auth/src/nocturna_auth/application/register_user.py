"""Use case: register an account with email and password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_contracts.auth.v1 import UserRegistered

from nocturna_auth.application.mail_tokens import TokenMailer
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.emails import EmailKind
from nocturna_auth.domain.users import EmailAlreadyRegistered, PasswordHasher, PasswordPolicy, User


@dataclass(frozen=True)
class RegisterUser:
    email: str
    password: str
    display_name: str | None = None


class RegisterUserHandler:
    """Creates the account, mails a verification link and announces `auth.user.registered.v1` in one
    transaction. A taken email gets the same answer (an account that is never stored, the password hashed all
    the same) and its owner a notice instead, so registering does not reveal who has an account."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        mailer: TokenMailer,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._policy = policy
        self._mailer = mailer
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, command: RegisterUser) -> User:
        now = self._clock()
        user = await User.register(
            user_id=self._new_id(),
            email=command.email,
            password=command.password,
            display_name=command.display_name,
            hasher=self._hasher,
            policy=self._policy,
            now=now,
        )
        async with self._uow() as uow:
            if await uow.users.by_email(user.email) is not None:
                await self._notify_owner(uow, user.email, now)
                return user
            try:
                await uow.users.add(user)
            except EmailAlreadyRegistered:
                # A concurrent registration of this email committed between the lookup and the insert.
                await self._notify_owner(uow, user.email, now)
                return user
            await self._mailer.send_verification(uow, user, now=now, token_id=self._new_id())
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

    async def _notify_owner(self, uow: AuthUnitOfWork, email: str, now: datetime) -> None:
        if await self._mailer.cooldown_left(uow, email, EmailKind.REGISTRATION_ATTEMPT, now) == 0:
            await uow.outgoing_emails.queue(self._mailer.mail.registration_attempt(email))
            await uow.commit()
