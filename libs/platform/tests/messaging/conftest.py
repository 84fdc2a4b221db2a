"""A miniature producer/consumer service on the real Postgres and RabbitMQ, for the reliability tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlparse

import aio_pika
import pytest
from nocturna_contracts.event import Event
from nocturna_platform.clock import utc_now
from nocturna_platform.db.engine import create_session_factory
from nocturna_platform.db.unit_of_work import SqlUnitOfWork
from nocturna_platform.messaging.runtime import Messaging
from nocturna_platform.messaging.tables import MessagingTables, create_outbox_notify_sql, messaging_tables
from nocturna_platform.settings import ServiceSettings
from nocturna_platform.testing.faults import TcpProxy
from nocturna_platform.testing.plugin import TestRun
from prometheus_client import CollectorRegistry
from sqlalchemy import Column, MetaData, Table, Text, Uuid, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


class ThingHappened(Event):
    event_type: ClassVar[str] = "relaytest.thing.happened.v1"
    producer: ClassVar[str] = "relaytest"
    number: int


@dataclass
class Harness:
    run: TestRun
    engine: AsyncEngine
    tables: MessagingTables
    effects: Table
    schema: str
    settings: ServiceSettings
    proxies: list[TcpProxy] = field(default_factory=list)
    event: type[ThingHappened] = ThingHappened

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(create_session_factory(self.engine), self.tables, utc_now)

    async def publish_events(self, numbers: range) -> list[uuid.UUID]:
        async with self.uow() as uow:
            envelopes = [uow.outbox.add(ThingHappened(number=n)) for n in numbers]
            await uow.commit()
        return [envelope.event_id for envelope in envelopes]

    async def effect_count(self, key: str | None = None) -> int:
        statement = select(func.count()).select_from(self.effects)
        if key is not None:
            statement = statement.where(self.effects.c.key == key)
        async with self.engine.connect() as connection:
            return int((await connection.execute(statement)).scalar_one())

    async def proxy(self) -> TcpProxy:
        parsed = urlparse(self.run.amqp_url)
        proxy = await TcpProxy(parsed.hostname or "127.0.0.1", parsed.port or 5672).start()
        self.proxies.append(proxy)
        return proxy

    def settings_via(self, proxy: TcpProxy | None, consumer_prefix: str) -> ServiceSettings:
        amqp = self.run.amqp_url
        if proxy is not None:
            parsed = urlparse(amqp)
            amqp = amqp.replace(f"{parsed.hostname}:{parsed.port or 5672}", f"127.0.0.1:{proxy.port}")
        return self.settings.model_copy(
            update={
                "amqp_url": self.settings.amqp_url.__class__(amqp),
                "messaging": self.settings.messaging.model_copy(
                    update={"queue_prefix": f"{self.settings.messaging.queue_prefix}{consumer_prefix}."}
                ),
            }
        )

    def messaging(self, settings: ServiceSettings, *, relay: bool = True) -> Messaging:
        return Messaging(
            settings,
            CollectorRegistry(),
            utc_now,
            consumer="relaytest",
            engine=self.engine if relay else None,
            tables=self.tables if relay else None,
        )


class Recorder:
    """Collects what arrives on a queue bound to the test exchange, straight from the broker."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.arrived = asyncio.Event()
        self.expected = 0

    async def on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            self.ids.append(str(message.message_id))
            if len(self.ids) >= self.expected:
                self.arrived.set()

    async def wait_for(self, count: int, timeout: float = 30) -> None:
        self.expected = count
        if len(self.ids) >= count:
            return
        async with asyncio.timeout(timeout):
            while len(self.ids) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture(scope="session")
async def harness(test_run: TestRun, test_env: dict[str, str]) -> AsyncIterator[Harness]:
    schema = "relaytest"
    engine = create_async_engine(test_run.database_url.replace("postgresql://", "postgresql+asyncpg://", 1))
    metadata = MetaData()
    tables = messaging_tables(metadata, schema)
    effects = Table(
        "effects", metadata, Column("id", Uuid, primary_key=True), Column("key", Text), schema=schema
    )
    async with engine.begin() as connection:
        await connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        await connection.run_sync(metadata.create_all)
        for statement in create_outbox_notify_sql(schema):
            await connection.execute(text(statement))
    yield Harness(test_run, engine, tables, effects, schema, ServiceSettings(service_name="relaytest"))
    await engine.dispose()


@pytest.fixture
async def clean_outbox(harness: Harness) -> AsyncIterator[Harness]:
    async with harness.engine.begin() as connection:
        await connection.execute(harness.tables.outbox.delete())
        await connection.execute(harness.effects.delete())
    yield harness
    for proxy in harness.proxies:
        await proxy.stop()
    harness.proxies.clear()


@pytest.fixture
async def recorder(harness: Harness) -> AsyncIterator[Recorder]:
    recorder = Recorder()
    connection = await aio_pika.connect(harness.run.amqp_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(harness.run.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key=ThingHappened.event_type)
    await queue.consume(recorder.on_message)
    yield recorder
    await connection.close()
