"""The AsyncAPI document of the event channels, generated from the brokers' subscribers and publishers."""

from __future__ import annotations

import inspect
import json
from collections.abc import Sequence

from faststream.rabbit import RabbitBroker
from faststream.specification import AsyncAPI, Specification
from nocturna_contracts.registry import EVENT_TYPES

from nocturna_platform.messaging.envelopes import typed_envelope
from nocturna_platform.messaging.topology import Topology

ASYNCAPI_VERSION = "3.0.0"


def declare_published_events(broker: RabbitBroker, topology: Topology, producer: str) -> None:
    """One FastStream publisher per event type `producer` owns, so its broker describes what it sends.

    The outbox relay publishes with `broker.publish`; these objects only name the channels and their messages.
    """
    for event_type, event in EVENT_TYPES.items():
        if event.producer != producer:
            continue
        broker.publisher(
            routing_key=event_type,
            exchange=topology.exchange,
            persist=True,
            mandatory=False,
            content_type="application/json",
            message_type=event_type,
            title=event_type,
            description=inspect.getdoc(event),
            schema=typed_envelope(event),
        )


def asyncapi_document(
    brokers: Sequence[RabbitBroker], *, title: str, version: str, description: str | None = None
) -> Specification:
    """Every channel the brokers consume from (their queues) or publish to (event types), in AsyncAPI 3."""
    return AsyncAPI(
        *brokers, title=title, version=version, description=description, schema_version=ASYNCAPI_VERSION
    ).to_specification()


def render(document: Specification) -> str:
    """Indented JSON with sorted keys: FastStream's channel order follows set iteration, which varies by run."""
    return json.dumps(document.to_jsonable(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
