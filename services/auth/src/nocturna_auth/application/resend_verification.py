"""Use case: mail a new verification link to the signed-in user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_auth.application.mail_tokens import TokenMailer
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.emails import EmailKind
from nocturna_auth.domain.users import AccountNotFound, EmailAlreadyVerified, TooManyAttempts


class ResendVerificationHandler:
    """A new link replaces the older ones; at most one mail per cool-down, none once the address is verified."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        mailer: TokenMailer,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._mailer = mailer
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, user_id: UUID) -> None:
        now = self._clock()
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise AccountNotFound("the account does not exist")
            if user.email_verified:
                raise EmailAlreadyVerified("the email address is verified already")
            wait = await self._mailer.cooldown_left(uow, user.email, EmailKind.VERIFY_EMAIL, now)
            if wait > 0:
                raise TooManyAttempts("a verification mail was sent moments ago", wait)
            await self._mailer.send_verification(uow, user, now=now, token_id=self._new_id())
            await uow.commit()
