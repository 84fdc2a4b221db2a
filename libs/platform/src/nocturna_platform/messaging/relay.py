"""The outbox relay: publishes committed events with confirms, then marks them sent.

Wakes on LISTEN/NOTIFY and polls as a fallback; replicas share the table with `FOR UPDATE SKIP LOCKED`.
At-least-once: a crash between confirm and mark republishes a batch, which consumers' inboxes absorb.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import asyncpg
from opentelemetry import context as otel_context
from opentelemetry.propagate import extract
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from nocturna_platform.messaging.broker import OutgoingMessage
from nocturna_platform.messaging.metrics import MessagingMetrics
from nocturna_platform.messaging.tables import MessagingTables
from nocturna_platform.settings import OutboxSettings

logger = logging.getLogger("nocturna.outbox")

PURGE_EVERY_SECONDS = 60.0
BACKLOG_EVERY_SECONDS = 5.0


class EventPublisher(Protocol):
    async def publish(self, messages: Sequence[OutgoingMessage]) -> None: ...


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        tables: MessagingTables,
        publisher: EventPublisher,
        settings: OutboxSettings,
        metrics: MessagingMetrics,
        listen_dsn: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._engine = engine
        self._table = tables.outbox
        self._channel = tables.notify_channel
        self._publisher = publisher
        self._settings = settings
        self._metrics = metrics
        self._listen_dsn = listen_dsn
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self._last_purge = 0.0
        self._last_backlog = 0.0

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name=f"outbox-relay-{self._channel}")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close_listener()

    async def run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            await self._ensure_listener()
            try:
                published = await self.publish_batch()
                await self._housekeeping()
                failures = 0
            except Exception:
                failures += 1
                self._metrics.outbox_publish_failures.inc()
                delay = min(0.1 * 2**failures, self._settings.retry_backoff_max_seconds)
                logger.warning(
                    "outbox relay failed; retrying", extra={"retry_in_seconds": delay}, exc_info=True
                )
                await self._sleep(delay)
                continue
            if published < self._settings.batch_size:
                await self._sleep(self._settings.poll_interval_seconds)

    async def publish_batch(self) -> int:
        """Publish one batch of unsent events; returns how many were published."""
        table = self._table
        async with self._engine.begin() as connection:
            rows = (
                await connection.execute(
                    select(table.c.id, table.c.event_id, table.c.event_type, table.c.body, table.c.headers)
                    .where(table.c.published_at.is_(None))
                    .order_by(table.c.id)
                    .limit(self._settings.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            messages = [
                OutgoingMessage(
                    event_id=str(row.event_id),
                    event_type=row.event_type,
                    body=row.body.encode(),
                    headers=dict(row.headers or {}),
                )
                for row in rows
            ]
            await self._publish_in_trace(messages)
            await connection.execute(
                update(table)
                .where(table.c.id.in_([row.id for row in rows]))
                .values(published_at=func.now(), attempts=table.c.attempts + 1)
            )
        self._metrics.outbox_published.inc(len(rows))
        return len(rows)

    async def _publish_in_trace(self, messages: Sequence[OutgoingMessage]) -> None:
        # A single-message batch keeps the producer's trace (HTTP → DB → broker → consumer in one trace).
        token = otel_context.attach(extract(messages[0].headers)) if len(messages) == 1 else None
        try:
            await self._publisher.publish(messages)
        finally:
            if token is not None:
                otel_context.detach(token)

    async def measure_backlog(self) -> tuple[int, float]:
        table = self._table
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
                )
            ).one()
        count, oldest = int(row[0]), row[1]
        age = max((self._clock() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        self._metrics.outbox_backlog.set(count)
        self._metrics.outbox_oldest_age.set(age)
        return count, age

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_backlog >= BACKLOG_EVERY_SECONDS:
            self._last_backlog = now
            await self.measure_backlog()
        if now - self._last_purge >= PURGE_EVERY_SECONDS:
            self._last_purge = now
            cutoff = self._clock() - timedelta(hours=self._settings.retention_hours)
            async with self._engine.begin() as connection:
                await connection.execute(
                    delete(self._table).where(
                        self._table.c.published_at.is_not(None), self._table.c.published_at < cutoff
                    )
                )

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _ensure_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        self._listener = None
        try:
            connection: asyncpg.Connection = await asyncpg.connect(self._listen_dsn, timeout=5)
            await connection.add_listener(self._channel, self._on_notify)
            self._listener = connection
        except (OSError, asyncpg.PostgresError, TimeoutError):
            logger.warning("outbox LISTEN unavailable; polling only", exc_info=True)

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _close_listener(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            with contextlib.suppress(Exception):
                await self._listener.close(timeout=2)
        self._listener = None
