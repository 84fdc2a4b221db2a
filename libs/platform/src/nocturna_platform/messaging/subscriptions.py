"""Registering a service's event handlers as FastStream subscribers on their own queues."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from faststream import AckPolicy
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.annotations import RabbitMessage
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event

from nocturna_platform.messaging.envelopes import typed_envelope
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.reliability import delivery_attempt
from nocturna_platform.messaging.topology import Topology

E = TypeVar("E", bound=Event)
EventHandler = Callable[[E, EventMeta], Awaitable[None]]


class EventSubscriptions:
    """`on(UserRegistered, handler)` binds `<consumer>.<event_type>` to the exchange and calls the handler."""

    def __init__(self, broker: RabbitBroker, topology: Topology, consumer: str) -> None:
        self._broker = broker
        self._topology = topology
        self.consumer = consumer
        self.queue_names: list[str] = []

    def on(self, event_type: type[E], handler: EventHandler[E]) -> None:
        consumer = self.consumer
        queue = self._topology.queue(consumer, event_type.event_type)
        self.queue_names.append(queue.name)

        async def consume(envelope: Envelope, message: RabbitMessage) -> None:
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
            channel=Channel(prefetch_count=self._topology.settings.prefetch),
            ack_policy=AckPolicy.MANUAL,
            title=queue.name,
            description=f"{consumer} consumes {event_type.event_type}; dead letters go to {queue.name}.dlq",
        )(consume)
