"""Everything a service runs on the broker side, started and stopped with its app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import aio_pika
from faststream.rabbit import RabbitBroker
from opentelemetry.trace import TracerProvider
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from nocturna_platform.db.engine import asyncpg_dsn
from nocturna_platform.messaging.asyncapi import declare_published_events
from nocturna_platform.messaging.broker import (
    RabbitEventPublisher,
    create_broker,
    declare_dead_letter_queues,
    named_amqp_url,
)
from nocturna_platform.messaging.dead_letters import dead_letter_depths
from nocturna_platform.messaging.metrics import MessagingMetrics
from nocturna_platform.messaging.relay import OutboxRelay
from nocturna_platform.messaging.subscriptions import EventSubscriptions
from nocturna_platform.messaging.tables import MessagingTables
from nocturna_platform.messaging.topology import Topology
from nocturna_platform.settings import ServiceSettings

logger = logging.getLogger("nocturna.messaging")

CONNECT_TIMEOUT_SECONDS = 30.0
DLQ_SAMPLE_SECONDS = 15.0


class Messaging:
    """Broker, subscriptions and (for producers) the outbox relay of one service process."""

    def __init__(
        self,
        settings: ServiceSettings,
        registry: CollectorRegistry,
        clock: Callable[[], datetime],
        *,
        consumer: str,
        engine: AsyncEngine | None = None,
        tables: MessagingTables | None = None,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = MessagingMetrics(registry)
        self.topology = Topology(settings.messaging)
        self.broker: RabbitBroker = create_broker(settings, self.metrics, tracer_provider)
        self.subscriptions = EventSubscriptions(self.broker, self.topology, consumer)
        declare_published_events(self.broker, self.topology, settings.service_name)
        self.relay: OutboxRelay | None = None
        if engine is not None and tables is not None:
            self.relay = OutboxRelay(
                engine,
                tables,
                RabbitEventPublisher(self.broker, self.topology),
                settings.outbox,
                self.metrics,
                asyncpg_dsn(settings.database_url.get_secret_value()),
                clock,
            )
        self._monitor: asyncio.Task[None] | None = None

    async def start(self) -> None:
        async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
            await self.broker.connect()
        await self.broker.declare_exchange(self.topology.exchange)
        await declare_dead_letter_queues(self.broker, self.topology, self.subscriptions.queue_names)
        await self.broker.start()
        if self.relay is not None:
            self.relay.start()
        if self.subscriptions.queue_names:
            self._monitor = asyncio.create_task(self._sample_dead_letters(), name="dlq-monitor")

    async def stop(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
        if self.relay is not None:
            await self.relay.stop()
        await self.broker.stop()

    async def ping(self) -> None:
        if not await self.broker.ping(timeout=2.0):
            raise ConnectionError("broker unreachable")

    async def _sample_dead_letters(self) -> None:
        connection: aio_pika.abc.AbstractRobustConnection | None = None
        try:
            while True:
                try:
                    if connection is None:
                        connection = await aio_pika.connect_robust(
                            named_amqp_url(self.settings, "dlq-monitor")
                        )
                    depths = await dead_letter_depths(
                        connection, self.topology, self.subscriptions.queue_names
                    )
                    for queue_name, depth in depths.items():
                        self.metrics.dlq_depth.labels(queue_name).set(depth)
                except Exception:
                    logger.warning("could not sample dead-letter queues", exc_info=True)
                await asyncio.sleep(DLQ_SAMPLE_SECONDS)
        finally:
            if connection is not None:
                await connection.close()
