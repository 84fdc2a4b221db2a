"""Names and arguments of the exchanges and queues (DESIGN §2), in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

from nocturna_platform.settings import MessagingSettings


@dataclass(frozen=True)
class Topology:
    """One durable topic exchange; per consumer and event type a quorum queue with a dead-letter queue.

    A queue gives up on a message after `max_deliveries` (the broker enforces it with `x-delivery-limit`
    too) and dead-letters it through the direct DLX to `<queue>.dlq`, keyed by the queue's own name.
    """

    settings: MessagingSettings

    @property
    def exchange(self) -> RabbitExchange:
        return RabbitExchange(self.settings.exchange, type=ExchangeType.TOPIC, durable=True)

    @property
    def dead_letter_exchange(self) -> RabbitExchange:
        return RabbitExchange(self.settings.dead_letter_exchange, type=ExchangeType.DIRECT, durable=True)

    def queue_name(self, consumer: str, event_type: str) -> str:
        return f"{self.settings.queue_prefix}{consumer}.{event_type}"

    def queue(self, consumer: str, event_type: str) -> RabbitQueue:
        name = self.queue_name(consumer, event_type)
        arguments: dict[str, Any] = {
            "x-dead-letter-exchange": self.settings.dead_letter_exchange,
            "x-dead-letter-routing-key": name,
            "x-delivery-limit": self.settings.max_deliveries,
        }
        if self.settings.queue_expires_ms:
            arguments["x-expires"] = self.settings.queue_expires_ms
        queue: RabbitQueue = RabbitQueue(  # type: ignore[call-overload]
            name,
            queue_type=QueueType.QUORUM,
            durable=True,
            arguments=arguments,
            routing_key=event_type,
        )
        return queue

    def dead_letter_queue(self, queue_name: str) -> RabbitQueue:
        arguments: dict[str, Any] = {}
        if self.settings.queue_expires_ms:
            arguments["x-expires"] = self.settings.queue_expires_ms
        dlq: RabbitQueue = RabbitQueue(  # type: ignore[call-overload]
            f"{queue_name}.dlq",
            queue_type=QueueType.QUORUM,
            durable=True,
            arguments=arguments,
            routing_key=queue_name,
        )
        return dlq
