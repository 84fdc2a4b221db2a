"""Use case: confirm an email address with the token from the verification mail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from nocturna_auth.application.email_verification import mark_email_verified
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.one_time_tokens import InvalidToken, TokenPurpose, token_digest


class VerifyEmailHandler:
    """Consumes a verification token (once, before it expires), marks the account's address verified and
    announces `auth.user.email_verified.v1`."""

    def __init__(self, uow: Callable[[], AuthUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, secret: str) -> None:
        now = self._clock()
        async with self._uow() as uow:
            token = await uow.one_time_tokens.by_digest(token_digest(secret))
            user = await uow.users.get(token.user_id) if token is not None else None
            if token is None or user is None:
                raise InvalidToken("the link is invalid, was used already or has expired")
            token.consume(TokenPurpose.VERIFY_EMAIL, now)
            mark_email_verified(uow, user, now)
            await uow.one_time_tokens.save(token)
            await uow.users.save(user)
            await uow.commit()
