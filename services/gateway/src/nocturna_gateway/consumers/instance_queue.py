"""The gateway replica's own queue: every user-facing event plus the events that end sockets.

Each process declares a queue with a unique name, so every replica receives every event (a user may be
connected to any of them). The queue outlives a lost broker connection: it is not exclusive, and expires only
after `instance_queue_expires_seconds` unused, so the events published while the replica reconnects wait
for it; the ones it had not acknowledged come again and are recognised by their event id. A dead replica's
queue goes once that time has passed.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections import deque
from typing import Any
from uuid import UUID

from faststream import AckPolicy
from faststream.rabbit import Channel, RabbitQueue
from nocturna_contracts.auth.v1 import SessionRevoked, UserDeleted
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event
from nocturna_contracts.registry import parse_event
from nocturna_platform.messaging.reliability import PoisonMessage
from nocturna_platform.messaging.runtime import Messaging

from nocturna_gateway.settings import WebSocketSettings
from nocturna_gateway.user_events import OWNER_FIELDS
from nocturna_gateway.websocket.fan_out import EventFanOut
from nocturna_gateway.websocket.protocol import UserEvent, event_frame

SOCKET_ENDING_EVENTS: tuple[type[Event], ...] = (SessionRevoked, UserDeleted)
ROUTING_KEYS = tuple(event.event_type for event in (*OWNER_FIELDS, *SOCKET_ENDING_EVENTS))


def instance_queue_name(queue_prefix: str) -> str:
    """Unique per process and readable in the broker's UI: `gateway.ws.<host>.<pid>.<random>`."""
    return f"{queue_prefix}gateway.ws.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


class RecentIds:
    """The last `size` event ids seen: enough to cover what was in flight (unacknowledged) at a disconnect."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._order: deque[UUID] = deque()
        self._seen: set[UUID] = set()

    def first_time(self, event_id: UUID) -> bool:
        if event_id in self._seen:
            return False
        self._seen.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self._size:
            self._seen.discard(self._order.popleft())
        return True


class InstanceQueue:
    """Consumes this replica's queue and hands each event to the fan-out; bound to every routing key."""

    def __init__(self, messaging: Messaging, fan_out: EventFanOut, settings: WebSocketSettings) -> None:
        self._messaging = messaging
        self._fan_out = fan_out
        arguments: dict[str, Any] = {
            # A stuck replica drops its oldest events instead of growing the broker; clients resume anyway.
            "x-max-length": settings.instance_queue_max_length,
            "x-overflow": "drop-head",
            "x-expires": int(settings.instance_queue_expires_seconds * 1000),
        }
        self._recent = RecentIds(settings.instance_queue_prefetch * 4)
        self.queue: RabbitQueue = RabbitQueue(  # type: ignore[call-overload]
            instance_queue_name(messaging.settings.messaging.queue_prefix),
            durable=True,
            exclusive=False,
            auto_delete=False,
            arguments=arguments,
            routing_key=ROUTING_KEYS[0],
        )
        messaging.broker.subscriber(
            self.queue,
            messaging.topology.exchange,
            channel=Channel(prefetch_count=settings.instance_queue_prefetch),
            ack_policy=AckPolicy.MANUAL,  # settled by the platform's reliability middleware
            include_in_schema=False,  # per-process name; the README lists what it receives
        )(self.consume)

    async def bind_all(self) -> None:
        """After the broker started: FastStream binds one routing key, this binds the others (robustly, so
        they are restored with the queue after a reconnect)."""
        declared = await self._messaging.broker.declare_queue(self.queue)
        for routing_key in ROUTING_KEYS[1:]:
            await declared.bind(
                self._messaging.topology.settings.exchange, routing_key=routing_key, robust=True
            )

    async def consume(self, envelope: Envelope) -> None:
        if not self._recent.first_time(envelope.event_id):
            return  # redelivered after a reconnect: its sockets have it already
        try:
            event = parse_event(envelope)
        except Exception as error:
            raise PoisonMessage(envelope.event_type) from error
        if isinstance(event, SessionRevoked):
            self._fan_out.session_revoked(event.user_id, event.session_id, event.reason)
        elif isinstance(event, UserDeleted):
            await self._fan_out.user_deleted(event.user_id)
        elif (field := OWNER_FIELDS.get(type(event))) is not None:
            owner: UUID = getattr(event, field)
            await self._fan_out.publish(UserEvent(owner, envelope.event_id, event_frame(envelope)))
