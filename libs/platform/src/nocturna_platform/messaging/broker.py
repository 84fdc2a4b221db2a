"""The broker of one service: connection, middlewares, publishing with confirms, dead-letter topology."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from faststream.rabbit import RabbitBroker
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from opentelemetry.trace import TracerProvider

from nocturna_platform.messaging.metrics import MessagingMetrics
from nocturna_platform.messaging.reliability import ReliabilityPolicy
from nocturna_platform.messaging.topology import Topology
from nocturna_platform.settings import ServiceSettings


def named_amqp_url(settings: ServiceSettings, role: str = "") -> str:
    """The AMQP URL with a connection name, `<queue prefix><service>[-<role>]@<host>:<pid>`, which the broker's
    UI and `rabbitmqctl list_connections` show: an operator (or a fault test closing only its own run's
    connections) can tell whose connection is whose. A `name` already in the URL is kept."""
    url = urlsplit(settings.amqp_url.get_secret_value())
    query = parse_qsl(url.query)
    if any(key == "name" for key, _ in query):
        return url.geturl()
    who = f"{settings.service_name}-{role}" if role else settings.service_name
    name = f"{settings.messaging.queue_prefix}{who}@{socket.gethostname()}:{os.getpid()}"
    return url._replace(query=urlencode([*query, ("name", name)])).geturl()


def create_broker(
    settings: ServiceSettings, metrics: MessagingMetrics, tracer_provider: TracerProvider | None = None
) -> RabbitBroker:
    """Telemetry outermost, then our acknowledgement policy; publisher confirms are on (FastStream default)."""
    middlewares: list[Any] = []
    if tracer_provider is not None:
        middlewares.append(RabbitTelemetryMiddleware(tracer_provider=tracer_provider))
    middlewares.append(ReliabilityPolicy(settings.messaging, metrics))
    return RabbitBroker(
        named_amqp_url(settings),
        app_id=settings.service_name,
        middlewares=middlewares,
        graceful_timeout=10.0,
        reconnect_interval=1.0,
        fail_fast=False,
        logger=None,
    )


@dataclass(frozen=True)
class OutgoingMessage:
    event_id: str
    event_type: str
    body: bytes
    headers: dict[str, Any]


class RabbitEventPublisher:
    """Publishes a batch concurrently on one channel and returns once every message is confirmed."""

    def __init__(self, broker: RabbitBroker, topology: Topology, timeout_seconds: float = 10.0) -> None:
        self._broker = broker
        self._topology = topology
        self._timeout = timeout_seconds

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        exchange = self._topology.exchange
        async with asyncio.timeout(self._timeout):
            await asyncio.gather(
                *(
                    self._broker.publish(
                        message.body,
                        exchange=exchange,
                        routing_key=message.event_type,
                        message_id=message.event_id,
                        message_type=message.event_type,
                        content_type="application/json",
                        headers=dict(message.headers),
                        persist=True,
                        mandatory=False,
                    )
                    for message in messages
                )
            )


async def declare_dead_letter_queues(broker: RabbitBroker, topology: Topology, queues: Sequence[str]) -> None:
    """Declared before consuming starts: a DLX without its queue would silently drop dead letters."""
    await broker.declare_exchange(topology.dead_letter_exchange)
    for queue_name in queues:
        dlq = topology.dead_letter_queue(queue_name)
        declared = await broker.declare_queue(dlq)
        await declared.bind(topology.settings.dead_letter_exchange, routing_key=queue_name)
