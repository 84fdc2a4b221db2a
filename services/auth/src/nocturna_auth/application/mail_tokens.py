"""Issuing mailed single-use tokens, shared by registration, resend, forgotten password."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.account_mail import AccountMail
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.emails import EmailKind
from nocturna_auth.domain.one_time_tokens import OneTimeToken, TokenPurpose
from nocturna_auth.domain.users import User


@dataclass(frozen=True)
class TokenMailer:
    """Issues a token, supersedes the user's older unused ones of the same purpose and queues the mail, all in
    the caller's transaction (the caller commits). `cooldown` spaces out mails of one kind to one address."""

    mail: AccountMail
    verification_ttl: timedelta
    reset_ttl: timedelta
    cooldown: timedelta

    async def send_verification(
        self, uow: AuthUnitOfWork, user: User, *, now: datetime, token_id: UUID
    ) -> None:
        secret = await _issue(uow, user, TokenPurpose.VERIFY_EMAIL, now, self.verification_ttl, token_id)
        await uow.outgoing_emails.queue(self.mail.verify_email(user.email, secret, self.verification_ttl))

    async def send_password_reset(
        self, uow: AuthUnitOfWork, user: User, *, now: datetime, token_id: UUID
    ) -> None:
        secret = await _issue(uow, user, TokenPurpose.RESET_PASSWORD, now, self.reset_ttl, token_id)
        await uow.outgoing_emails.queue(self.mail.password_reset(user.email, secret, self.reset_ttl))

    async def cooldown_left(self, uow: AuthUnitOfWork, to: str, kind: EmailKind, now: datetime) -> int:
        """Whole seconds until another mail of this kind may go to this address; 0 when it may now."""
        last = await uow.outgoing_emails.last_queued_at(to, kind)
        if last is None:
            return 0
        return max(math.ceil((last + self.cooldown - now).total_seconds()), 0)


async def supersede_tokens(uow: AuthUnitOfWork, user_id: UUID, purpose: TokenPurpose, now: datetime) -> None:
    for token in await uow.one_time_tokens.unused_for_user(user_id, purpose):
        token.supersede(now)
        await uow.one_time_tokens.save(token)


async def _issue(
    uow: AuthUnitOfWork, user: User, purpose: TokenPurpose, now: datetime, lifetime: timedelta, token_id: UUID
) -> str:
    await supersede_tokens(uow, user.id, purpose, now)
    token, secret = OneTimeToken.issue(
        token_id=token_id, user_id=user.id, purpose=purpose, now=now, lifetime=lifetime
    )
    await uow.one_time_tokens.add(token)
    return secret
