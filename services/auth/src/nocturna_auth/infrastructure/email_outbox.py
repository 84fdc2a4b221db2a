"""The mail outbox: messages are rows written in the business transaction; a dispatcher sends them.

Each row is claimed with `FOR UPDATE SKIP LOCKED`, sent, and marked sent in the same short transaction, so
replicas never send one message twice. The one window left (at least once): the transport accepted the
message but the process died, or the database failed, before that transaction committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from prometheus_client import CollectorRegistry, Counter
from sqlalchemy import delete, func, or_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from nocturna_auth.domain.emails import EmailKind, EmailMessage, EmailSender
from nocturna_auth.infrastructure.tables import OutgoingEmailRow
from nocturna_auth.settings import EmailSettings

logger = logging.getLogger("nocturna.auth.email")

PURGE_EVERY_SECONDS = 60.0
MAX_ERROR_LENGTH = 500


class SqlOutgoingEmails:
    """Queues messages on the unit of work's session; `queued` tells the unit of work to wake the dispatcher."""

    def __init__(
        self, session: AsyncSession, clock: Callable[[], datetime], new_id: Callable[[], UUID]
    ) -> None:
        self._session = session
        self._clock = clock
        self._new_id = new_id
        self.queued = 0

    async def queue(self, message: EmailMessage) -> None:
        now = self._clock()
        self._session.add(
            OutgoingEmailRow(
                message_id=self._new_id(),
                kind=message.kind.value,
                recipient=message.to,
                subject=message.subject,
                body=message.body,
                created_at=now,
                next_attempt_at=now,
            )
        )
        self.queued += 1

    async def last_queued_at(self, to: str, kind: EmailKind) -> datetime | None:
        return (
            await self._session.execute(
                select(func.max(OutgoingEmailRow.created_at)).where(
                    col(OutgoingEmailRow.recipient) == to, col(OutgoingEmailRow.kind) == kind.value
                )
            )
        ).scalar_one_or_none()


class EmailMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sent = Counter(
            "auth_emails_sent", "Mails accepted by the transport", ["kind"], registry=registry
        )
        self.failures = Counter(
            "auth_email_send_failures", "Failed send attempts (each retry counts)", registry=registry
        )
        self.given_up = Counter(
            "auth_emails_given_up", "Mails abandoned after the last attempt", registry=registry
        )


class OutgoingEmailDispatcher:
    """Sends due messages one per transaction; a failure is retried with doubling delay up to `max_attempts`.

    Woken at once by a commit in this process (`wake`), and polls for the rest (other replicas, retries).
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        sender: EmailSender,
        settings: EmailSettings,
        clock: Callable[[], datetime],
        metrics: EmailMetrics,
    ) -> None:
        self._session_factory = session_factory
        self._sender = sender
        self._settings = settings
        self._clock = clock
        self._metrics = metrics
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_purge = 0.0

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="auth-email-dispatcher")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def dispatch_due(self) -> int:
        """Send every message that is due now; returns how many were handled (sent or failed)."""
        handled = 0
        while await self.dispatch_one():
            handled += 1
        return handled

    async def dispatch_one(self) -> bool:
        """Claim, send and settle one due message; False when none is due (or all are claimed elsewhere)."""
        now = self._clock()
        async with self._session_factory() as session, session.begin():
            row = (
                await session.execute(
                    select(OutgoingEmailRow)
                    .where(
                        col(OutgoingEmailRow.sent_at).is_(None),
                        col(OutgoingEmailRow.failed_at).is_(None),
                        col(OutgoingEmailRow.next_attempt_at) <= now,
                    )
                    .order_by(col(OutgoingEmailRow.next_attempt_at), col(OutgoingEmailRow.id))
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if row is None:
                return False
            message = EmailMessage(row.recipient, row.subject, row.body, EmailKind(row.kind))
            row.attempts += 1
            try:
                await self._sender.send(message, message_id=row.message_id)
            except Exception as error:
                self._failed(row, error)
            else:
                row.sent_at = self._clock()
                row.body = ""
                self._metrics.sent.labels(row.kind).inc()
        return True

    def _failed(self, row: OutgoingEmailRow, error: Exception) -> None:
        self._metrics.failures.inc()
        row.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
        context = {"message_id": str(row.message_id), "kind": row.kind, "attempts": row.attempts}
        if row.attempts >= self._settings.max_attempts:
            row.failed_at = self._clock()
            row.body = ""
            self._metrics.given_up.inc()
            logger.error("mail given up after its last attempt", extra=context)
            return
        delay = min(
            self._settings.retry_base_delay_seconds * 2 ** min(row.attempts - 1, 32),
            self._settings.retry_max_delay_seconds,
        )
        row.next_attempt_at = self._clock() + timedelta(seconds=delay)
        logger.warning(
            "mail not sent; will retry",
            extra={**context, "retry_in_seconds": delay, "error_type": type(error).__name__},
        )

    async def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                handled = await self.dispatch_due()
                await self._purge()
                failures = 0
            except Exception:
                failures += 1
                delay = min(0.1 * 2**failures, 10.0)
                logger.warning(
                    "mail dispatcher failed; retrying", extra={"retry_in_seconds": delay}, exc_info=True
                )
                await self._sleep(delay)
                continue
            if handled == 0:
                await self._sleep(self._settings.poll_interval_seconds)

    async def _purge(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = now
        cutoff = self._clock() - timedelta(hours=self._settings.retention_hours)
        async with self._session_factory() as session, session.begin():
            await session.execute(
                delete(OutgoingEmailRow).where(
                    or_(col(OutgoingEmailRow.sent_at) < cutoff, col(OutgoingEmailRow.failed_at) < cutoff)
                )
            )

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()
