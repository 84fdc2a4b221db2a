"""The mail outbox on a database of its own (no other dispatcher competes), and the mail transports."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import aiosmtplib
import asyncpg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from nocturna_auth.bootstrap import MIGRATIONS
from nocturna_auth.domain.emails import EmailKind, EmailMessage
from nocturna_auth.infrastructure.email_outbox import EmailMetrics, OutgoingEmailDispatcher
from nocturna_auth.infrastructure.email_senders import FileEmailSender, LogEmailSender, SmtpEmailSender
from nocturna_auth.infrastructure.tables import MESSAGING, SCHEMA, OutgoingEmailRow
from nocturna_auth.infrastructure.unit_of_work import SqlAuthUnitOfWork
from nocturna_auth.settings import EmailSettings, SmtpSettings
from nocturna_platform.clock import utc_now
from nocturna_platform.db.engine import create_session_factory
from nocturna_platform.db.migrations import Migrations
from nocturna_platform.testing.infrastructure import libpq_url, with_database
from nocturna_platform.testing.plugin import TestRun
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from services.auth.tests.fakes import RecordingEmailSender

FAST = EmailSettings(poll_interval_seconds=0.02, retry_base_delay_seconds=0.01, retry_max_delay_seconds=0.05)


@pytest.fixture(scope="module")
async def sessions(test_run: TestRun) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh database migrated to head, so that the running test services' dispatchers stay away."""
    name = f"nocturna_test_{test_run.run_id}_mail"
    admin = await asyncpg.connect(libpq_url(test_run.database_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = with_database(test_run.database_url, name).replace("postgresql://", "postgresql+asyncpg://", 1)
    await Migrations(MIGRATIONS, SCHEMA, url).upgrade("head")
    engine = create_async_engine(url, connect_args={"server_settings": {"search_path": SCHEMA}})
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()
        admin = await asyncpg.connect(libpq_url(test_run.database_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(autouse=True)
async def empty_outbox(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        await session.execute(delete(OutgoingEmailRow))


def _dispatcher(
    sessions: async_sessionmaker[AsyncSession], sender: Any, settings: EmailSettings = FAST
) -> OutgoingEmailDispatcher:
    return OutgoingEmailDispatcher(sessions, sender, settings, utc_now, EmailMetrics(CollectorRegistry()))


def _message(number: int = 0, kind: EmailKind = EmailKind.PASSWORD_RESET) -> EmailMessage:
    return EmailMessage(
        f"user{number}@example.com", "Reset", f"https://app.test/reset-password?token=secret-{number}", kind
    )


async def _queue(
    sessions: async_sessionmaker[AsyncSession],
    messages: list[EmailMessage],
    *,
    commit: bool = True,
    **kwargs: Any,
) -> None:
    async with SqlAuthUnitOfWork(sessions, MESSAGING, utc_now, **kwargs) as uow:
        for message in messages:
            await uow.outgoing_emails.queue(message)
        if commit:
            await uow.commit()


async def _rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutgoingEmailRow]:
    async with sessions() as session:
        return list((await session.execute(select(OutgoingEmailRow).order_by(OutgoingEmailRow.id))).scalars())  # type: ignore[arg-type]


async def _until(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def test_each_committed_mail_is_sent_once_by_two_competing_dispatchers(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    senders = [RecordingEmailSender(), RecordingEmailSender()]
    dispatchers = [_dispatcher(sessions, sender) for sender in senders]
    for dispatcher in dispatchers:
        await dispatcher.start()
    try:
        await _queue(sessions, [_message(n) for n in range(40)])

        async def all_sent() -> bool:
            return all(row.sent_at is not None for row in await _rows(sessions))

        await _until(all_sent)
    finally:
        for dispatcher in dispatchers:
            await dispatcher.stop()

    sent = [message_id for sender in senders for message_id, _ in sender.sent]
    assert len(sent) == len(set(sent)) == 40
    assert {row.message_id for row in await _rows(sessions)} == set(sent)


async def test_a_rolled_back_transaction_sends_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    sender = RecordingEmailSender()

    await _queue(sessions, [_message()], commit=False)

    assert await _dispatcher(sessions, sender).dispatch_due() == 0
    assert sender.sent == []
    assert await _rows(sessions) == []


async def test_a_failed_send_is_retried_with_backoff_until_it_goes_through(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sender = RecordingEmailSender(failures=2)
    dispatcher = _dispatcher(sessions, sender)
    await _queue(sessions, [_message()])

    assert await dispatcher.dispatch_one()
    [row] = await _rows(sessions)
    assert (row.attempts, row.sent_at, row.last_error) == (
        1,
        None,
        "ConnectionError: mail transport unavailable",
    )
    assert row.next_attempt_at > row.created_at
    await dispatcher.start()
    try:

        async def sent() -> bool:
            return (await _rows(sessions))[0].sent_at is not None

        await _until(sent)
    finally:
        await dispatcher.stop()

    [row] = await _rows(sessions)
    assert row.attempts == 3
    assert len(sender.sent) == 1


async def test_a_mail_is_given_up_after_the_last_attempt_and_its_secret_wiped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = FAST.model_copy(update={"max_attempts": 2, "retry_base_delay_seconds": 0})
    dispatcher = _dispatcher(sessions, RecordingEmailSender(failures=100), settings)
    await _queue(sessions, [_message()])

    await dispatcher.dispatch_due()

    [row] = await _rows(sessions)
    assert (row.attempts, row.sent_at, row.body) == (2, None, "")
    assert row.failed_at is not None


async def test_a_sent_mail_keeps_no_secret(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _queue(sessions, [_message()])

    await _dispatcher(sessions, RecordingEmailSender()).dispatch_due()

    [row] = await _rows(sessions)
    assert row.sent_at is not None
    assert row.body == ""
    assert row.recipient == "user0@example.com"


async def test_a_commit_wakes_the_dispatcher_at_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    sender = RecordingEmailSender()
    dispatcher = _dispatcher(sessions, sender, EmailSettings(poll_interval_seconds=60))
    await dispatcher.start()
    try:
        await asyncio.sleep(0.1)  # the dispatcher found nothing and waits out its long poll interval

        await _queue(sessions, [_message()], mail_queued=dispatcher.wake)

        async def sent() -> bool:
            return len(sender.sent) == 1

        await _until(sent, timeout=5)
    finally:
        await dispatcher.stop()


async def test_the_file_adapter_writes_one_json_line_with_the_body(tmp_path: Path) -> None:
    path = tmp_path / "mail" / "outbox.jsonl"
    sender, message_id = FileEmailSender(path), uuid.uuid4()

    await sender.send(_message(1), message_id=message_id)
    await sender.send(_message(2), message_id=uuid.uuid4())

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 2
    assert lines[0] == {
        "message_id": str(message_id),
        "to": "user1@example.com",
        "subject": "Reset",
        "kind": "password_reset",
        "body": "https://app.test/reset-password?token=secret-1",
    }


async def test_the_log_adapter_never_logs_the_body(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="nocturna.auth.email")

    await LogEmailSender().send(_message(1), message_id=uuid.uuid4())

    assert len(caplog.records) == 1
    assert "secret-1" not in str(caplog.records[0].__dict__)
    assert caplog.records[0].__dict__["to"] == "user1@example.com"


@dataclass
class SmtpInbox:
    """What a local SMTP server (aiosmtpd) received; it answers 451 to the first `refuse` messages."""

    port: int
    refuse: int = 0
    received: list[Message] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.received.append(message_from_bytes(envelope.content))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword) and (data.login, data.password) == (b"mailer", b"s3cret"):
            self.logins.append((data.login, data.password))
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpInbox]:
    inbox = SmtpInbox(port=_free_port())
    controller = Controller(
        inbox, hostname="127.0.0.1", port=inbox.port, authenticator=inbox.authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def _smtp(inbox: SmtpInbox) -> SmtpEmailSender:
    settings = SmtpSettings(
        host="127.0.0.1", port=inbox.port, username="mailer", password=SecretStr("s3cret"), security="none"
    )
    return SmtpEmailSender(settings, "Nocturna <no-reply@nocturna.test>")


async def test_the_smtp_adapter_delivers_a_plain_text_mail(smtp_server: SmtpInbox) -> None:
    message_id = uuid.uuid4()

    await _smtp(smtp_server).send(_message(1), message_id=message_id)

    [mail] = smtp_server.received
    assert smtp_server.logins == [(b"mailer", b"s3cret")]
    assert (mail["From"], mail["To"], mail["Subject"]) == (
        "Nocturna <no-reply@nocturna.test>",
        "user1@example.com",
        "Reset",
    )
    assert mail["Message-ID"] == f"<{message_id}@nocturna.test>"
    assert mail.get_content_type() == "text/plain"
    assert "token=secret-1" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]


async def test_the_smtp_adapter_raises_when_the_server_refuses(smtp_server: SmtpInbox) -> None:
    smtp_server.refuse = 1

    with pytest.raises(aiosmtplib.SMTPResponseException):
        await _smtp(smtp_server).send(_message(1), message_id=uuid.uuid4())


async def test_a_mail_refused_by_the_smtp_server_is_retried_and_delivered_once(
    sessions: async_sessionmaker[AsyncSession], smtp_server: SmtpInbox
) -> None:
    smtp_server.refuse = 2
    dispatcher = _dispatcher(sessions, _smtp(smtp_server))
    await _queue(sessions, [_message(7)])
    await dispatcher.start()
    try:

        async def sent() -> bool:
            return (await _rows(sessions))[0].sent_at is not None

        await _until(sent)
    finally:
        await dispatcher.stop()

    assert len(smtp_server.received) == 1
    assert (await _rows(sessions))[0].attempts == 3
