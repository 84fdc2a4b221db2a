"""Use case: the signed-in user changes their password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.account_mail import AccountMail
from nocturna_auth.application.limit_login_attempts import ThrottledPasswordCheck
from nocturna_auth.application.mail_tokens import supersede_tokens
from nocturna_auth.application.revoke_sessions import revoke_sessions
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.one_time_tokens import TokenPurpose
from nocturna_auth.domain.sessions import RevocationReason
from nocturna_auth.domain.users import AccountNotFound, InvalidCredentials, PasswordHasher, PasswordPolicy


@dataclass(frozen=True)
class ChangePassword:
    user_id: UUID
    session_id: UUID | None
    """The caller's own session: it stays signed in."""
    current_password: str
    new_password: str
    ip: str | None = None


class ChangePasswordHandler:
    """Needs the current password (wrong guesses count like failed sign-ins, growing lockout); the policy
    applies to the new one. Every other session of the user ends,
    pending reset links die, and the owner is told by mail.

    Both passwords are hashed between two short transactions, as the password grant checks its password:
    the second writes the new hash only if the account still has the hash that was checked."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        hasher: PasswordHasher,
        password_check: ThrottledPasswordCheck,
        policy: PasswordPolicy,
        mail: AccountMail,
        clock: Callable[[], datetime],
        access_token_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._password_check = password_check
        self._policy = policy
        self._mail = mail
        self._clock = clock
        self._access_token_ttl = access_token_ttl

    async def __call__(self, command: ChangePassword) -> None:
        async with self._uow() as uow:
            user = await uow.users.get(command.user_id)
        if user is None:
            raise AccountNotFound("the account does not exist")
        checked_hash = user.password_hash
        if not await self._password_check(user, command.current_password, command.ip):
            raise InvalidCredentials("the current password is wrong")
        await user.change_password(command.new_password, self._hasher, self._policy)
        now = self._clock()
        async with self._uow() as uow:
            current = await uow.users.get_for_update(user.id)
            if current is None:
                raise AccountNotFound("the account does not exist")
            if current.password_hash != checked_hash:  # changed meanwhile: what was checked is not current
                raise InvalidCredentials("the current password is wrong")
            current.password_hash = user.password_hash
            await uow.users.save(current)
            others = [s for s in await uow.sessions.active_for_user(user.id) if s.id != command.session_id]
            await revoke_sessions(
                uow,
                others,
                reason=RevocationReason.PASSWORD_CHANGED,
                now=now,
                access_token_ttl=self._access_token_ttl,
            )
            await supersede_tokens(uow, user.id, TokenPurpose.RESET_PASSWORD, now)
            await uow.outgoing_emails.queue(self._mail.password_changed(current.email))
            await uow.commit()
