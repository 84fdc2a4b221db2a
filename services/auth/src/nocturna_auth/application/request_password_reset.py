"""Use case: a forgotten password — mail a reset link."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_auth.application.mail_tokens import TokenMailer
from nocturna_auth.application.unit_of_work import AuthUnitOfWork
from nocturna_auth.domain.emails import EmailKind
from nocturna_auth.domain.users import normalise_email


class RequestPasswordResetHandler:
    """Mails a reset link (superseding older ones) when the address belongs to an active account and no reset
    mail went to it within the cool-down. Returns nothing either way, and never sooner than `min_duration`
    (the mail path does more database work), so neither the answer nor its timing tells accounts apart."""

    def __init__(
        self,
        uow: Callable[[], AuthUnitOfWork],
        mailer: TokenMailer,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
        min_duration: timedelta = timedelta(0),
    ) -> None:
        self._uow = uow
        self._mailer = mailer
        self._clock = clock
        self._new_id = new_id
        self._min_duration = min_duration.total_seconds()

    async def __call__(self, email: str) -> None:
        email = normalise_email(email)
        started = time.monotonic()
        try:
            await self._request(email)
        finally:
            remaining = self._min_duration - (time.monotonic() - started)
            if remaining > 0:
                await asyncio.sleep(remaining)

    async def _request(self, email: str) -> None:
        now = self._clock()
        async with self._uow() as uow:
            user = await uow.users.by_email(email)
            if user is None or user.is_disabled:
                return
            if await self._mailer.cooldown_left(uow, email, EmailKind.PASSWORD_RESET, now) > 0:
                return
            await self._mailer.send_password_reset(uow, user, now=now, token_id=self._new_id())
            await uow.commit()
