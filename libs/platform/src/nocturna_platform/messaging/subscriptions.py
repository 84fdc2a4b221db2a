"""Registering a service's event handlers as FastStream subscribers on their own queues."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TypeVar, cast
from uuid import UUID

from faststream import AckPolicy
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event

from nocturna_platform.messaging.batching import MicroBatcher
from nocturna_platform.messaging.envelopes import typed_envelope
from nocturna_platform.messaging.meta import Delivery, EventMeta
from nocturna_platform.messaging.reliability import delivery_attempt
from nocturna_platform.messaging.topology import Topology

E = TypeVar("E", bound=Event)
EventHandler = Callable[[E, EventMeta], Awaitable[None]]
BatchEventHandler = Callable[[Sequence[Delivery[E]]], Awaitable[Collection[UUID]]]
BATCHES_IN_FLIGHT = 2


class EventSubscriptions:
    """`on(UserRegistered, handler)` binds `<consumer>.<event_type>` to the exchange and calls the handler."""

    def __init__(self, broker: RabbitBroker, topology: Topology, consumer: str) -> None:
        self._broker = broker
        self._topology = topology
        self.consumer = consumer
        self.queue_names: list[str] = []

    def on(self, event_type: type[E], handler: EventHandler[E]) -> None:
        self._subscribe(event_type, handler, prefetch=self._topology.settings.prefetch)

    def on_batch(self, event_type: type[E], handler: BatchEventHandler[E], single: EventHandler[E]) -> None:
        """Deliveries are collected into micro-batches (`batch_max_size`, `batch_max_wait_ms`) for `handler`,
        which handles them in one transaction and returns the event ids it deferred; deferred events, and all
        events of a batch that raised, go to `single` one by one, so each fails, retries and dead-letters
        alone. Every delivery is acked only after its batch (or its own handling) returned.
        """
        settings = self._topology.settings

        async def process(deliveries: Sequence[Delivery[E]]) -> list[int]:
            deferred = set(await handler(deliveries))
            return [i for i, delivery in enumerate(deliveries) if delivery.meta.event_id in deferred]

        batcher = MicroBatcher(
            process,
            max_size=settings.batch_max_size,
            max_wait_seconds=settings.batch_max_wait_ms / 1000,
            max_in_flight=BATCHES_IN_FLIGHT,
        )

        # A failed batch falls back to at most `prefetch` single handlings at once, as `on` would run them
        singles = asyncio.Semaphore(settings.prefetch)

        async def handle(event: E, meta: EventMeta) -> None:
            if not await batcher.submit(Delivery(event, meta)):
                async with singles:
                    await single(event, meta)

        # Room for the batches in flight plus the one being collected, or batches could never fill up
        prefetch = max(settings.prefetch, (BATCHES_IN_FLIGHT + 1) * settings.batch_max_size)
        self._subscribe(event_type, handle, prefetch=prefetch)

    def _subscribe(self, event_type: type[E], handler: EventHandler[E], *, prefetch: int) -> None:
        consumer = self.consumer
        queue = self._topology.queue(consumer, event_type.event_type)
        self.queue_names.append(queue.name)

        context = self._broker.context

        async def consume(envelope: Envelope) -> None:
            # The delivery comes from the context directly: as a `Context` parameter FastStream would resolve
            # it in a worker thread for every message, which costs more than the rest of the dispatch
            message = cast(RabbitMessage, context.get_local("message"))
            event = cast(E, envelope.payload)
            meta = EventMeta(
                consumer=consumer,
                event_id=envelope.event_id,
                event_type=envelope.event_type,
                occurred_at=envelope.occurred_at,
                producer=envelope.producer,
                correlation_id=envelope.correlation_id,
                causation_id=envelope.causation_id,
                delivery_attempt=delivery_attempt(dict(message.headers)),
            )
            await handler(event, meta)

        consume.__name__ = f"{consumer}_{event_type.__name__}"
        # FastStream decodes the body by this annotation (so `payload` is the event already) and documents it
        consume.__annotations__["envelope"] = typed_envelope(event_type)
        self._broker.subscriber(
            queue,
            self._topology.exchange,
            # Without a prefetch limit the broker pushes the whole backlog and every message becomes a
            # concurrent task: the connection pool then times out and messages dead-letter under load.
            channel=Channel(prefetch_count=prefetch),
            ack_policy=AckPolicy.MANUAL,
            title=queue.name,
            description=f"{consumer} consumes {event_type.event_type}; dead letters go to {queue.name}.dlq",
        )(consume)
