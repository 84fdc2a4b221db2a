"""Handlers of the credential use cases wired to the in-memory fakes, on the store's settable clock."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from nocturna_auth.application.account_mail import AccountMail
from nocturna_auth.application.mail_tokens import TokenMailer
from nocturna_auth.domain.emails import EmailKind, EmailMessage
from nocturna_auth.domain.users import PasswordPolicy

from services.auth.tests.fakes import InMemoryAuthStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
MAIL = AccountMail("https://app.test/")
POLICY = PasswordPolicy(frozenset({"password1234", "qwertyuiop"}))
ACCESS_TOKEN_TTL = timedelta(minutes=15)
RESET_TTL = timedelta(minutes=30)
VERIFICATION_TTL = timedelta(days=2)


def mailer(cooldown: timedelta = timedelta(0)) -> TokenMailer:
    return TokenMailer(MAIL, verification_ttl=VERIFICATION_TTL, reset_ttl=RESET_TTL, cooldown=cooldown)


def new_ids(start: int = 1) -> Callable[[], UUID]:
    counter = itertools.count(start)
    return lambda: UUID(int=next(counter))


def clock(store: InMemoryAuthStore) -> Callable[[], datetime]:
    return lambda: store.now


def mails(store: InMemoryAuthStore, to: str, kind: EmailKind) -> list[EmailMessage]:
    return [m for m in store.mails if m.to == to and m.kind is kind]


def secret_in(message: EmailMessage) -> str:
    match = re.search(r"\?token=([A-Za-z0-9_\-]+)", message.body)
    assert match is not None, message.body
    return match.group(1)
