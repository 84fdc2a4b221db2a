"""Outbox throughput: how fast one service's relay drains a backlog, publishing with publisher confirms.

The backlog is written first through the real unit of work (its insert rate is printed too); then the real
relay starts and the clock runs until every event is confirmed and marked sent. A quorum queue bound like a
consumer's (but not consumed) makes the broker route and persist each message, as in the fleet.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from time import perf_counter

import aio_pika
from nocturna_contracts.subscription.v1 import SubscriptionChanged
from nocturna_platform.messaging.topology import Topology
from nocturna_platform.settings import ServiceSettings
from prometheus_client import CollectorRegistry

from bench.producer import Producer, subscription_changed
from bench.report import verdict

TARGET_EVENTS_PER_SECOND = 2_000
DRAIN_TIMEOUT_SECONDS = 300


async def run(settings: ServiceSettings, events: int, per_transaction: int = 100) -> None:
    print(f"\n== Outbox throughput: {events:,} events from the {settings.service_name} outbox ==")
    async with Producer.open(settings) as producer, _sink_queue(settings) as sink:
        started = perf_counter()
        for offset in range(0, events, per_transaction):
            async with producer.unit_of_work() as uow:
                for _ in range(min(per_transaction, events - offset)):
                    uow.publish(subscription_changed())
                await uow.commit()
        written = perf_counter() - started
        print(
            f"written:   {events / written:8,.0f} events/s through SqlUnitOfWork "
            f"({per_transaction} events per transaction, {written:.1f} s)"
        )
        registry = CollectorRegistry()
        messaging = producer.messaging("bench", relay=True, registry=registry)
        await messaging.start()
        started = perf_counter()
        try:
            await _until_published(registry, events)
            drained = perf_counter() - started
        finally:
            await messaging.stop()
        rate = events / drained
        print(
            f"published: {rate:8,.0f} events/s by OutboxRelay + RabbitEventPublisher, confirmed and marked sent "
            f"(batch {settings.outbox.batch_size}, {drained:.1f} s) — target ≥ {TARGET_EVENTS_PER_SECOND:,}/s: "
            f"{verdict(rate, TARGET_EVENTS_PER_SECOND)}"
        )
        left, queued = await producer.backlog(), await _depth(sink)
        print(f"check:     {left} left unpublished; {queued:,} messages in the bound quorum queue")


async def _until_published(registry: CollectorRegistry, events: int) -> None:
    async with asyncio.timeout(DRAIN_TIMEOUT_SECONDS):
        while (registry.get_sample_value("outbox_published_total") or 0) < events:
            await asyncio.sleep(0.01)


@asynccontextmanager
async def _sink_queue(settings: ServiceSettings) -> AsyncIterator[aio_pika.abc.AbstractQueue]:
    """A consumer's quorum queue for the event type, declared and bound but never consumed; deleted after."""
    topology = Topology(settings.messaging)
    queue = topology.queue("bench-sink", SubscriptionChanged.event_type)
    connection = await aio_pika.connect(settings.amqp_url.get_secret_value())
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            settings.messaging.exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        declared = await channel.declare_queue(queue.name, durable=True, arguments=queue.arguments)
        await declared.bind(exchange, routing_key=SubscriptionChanged.event_type)
        try:
            yield declared
        finally:
            await declared.delete(if_unused=False, if_empty=False)
    finally:
        await connection.close()


async def _depth(queue: aio_pika.abc.AbstractQueue) -> int:
    declared = await queue.channel.declare_queue(queue.name, passive=True)
    return declared.declaration_result.message_count or 0
