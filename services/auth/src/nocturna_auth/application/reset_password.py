"""Use case: set a new password with the token from the reset mail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from nocturna_auth.application.account_mail import AccountMail
from nocturna_auth.application.email_verification import mark_email_verified
from nocturna_auth.application.limit_login_attempts import LoginAttemptLimiter
from nocturna_auth.application.mail_tokens import supersede_tokens
from nocturna_auth.application.revoke_sessions import revoke_sessions
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.one_time_tokens import InvalidToken, TokenPurpose, token_digest
from nocturna_auth.domain.sessions import RevocationReason
from nocturna_auth.domain.users import PasswordHasher, PasswordPolicy


@dataclass(frozen=True)
class ResetPassword:
    token: str
    new_password: str


class ResetPasswordHandler:
    """Consumes a reset token (once, before it expires): sets the new password, marks the address verified
    (the mail proved it), ends every session of the user and lifts the account's sign-in lockout.

    A refused new password leaves the token usable, so the user can try another one."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        policy: PasswordPolicy,
        mail: AccountMail,
        limiter: LoginAttemptLimiter,
        clock: Callable[[], datetime],
        access_token_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._policy = policy
        self._mail = mail
        self._limiter = limiter
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: ResetPassword) -> None:
        now = self._clock()
        async with self._uow() as uow:
            token = await uow.one_time_tokens.by_digest(token_digest(command.token))
            user = await uow.users.get(token.user_id) if token is not None else None
            if token is None or user is None or user.is_disabled or not token.is_usable(now):
                raise InvalidToken("the link is invalid, was used already or has expired")
            await user.change_password(command.new_password, self._hasher, self._policy)
            token.consume(TokenPurpose.RESET_PASSWORD, now)
            await uow.one_time_tokens.save(token)
            await supersede_tokens(uow, user.id, TokenPurpose.RESET_PASSWORD, now)
            mark_email_verified(uow, user, now)  # the reset link reached this mailbox
            await uow.users.save(user)
            await revoke_sessions(
                uow,
                await uow.sessions.active_for_user(user.id),
                reason=RevocationReason.PASSWORD_CHANGED,
                now=now,
                access_token_ttl=self._access_token_ttl,
            )
            await uow.outgoing_emails.queue(self._mail.password_changed(user.email))
            await uow.commit()
        await self._limiter.record_success(user.email)
