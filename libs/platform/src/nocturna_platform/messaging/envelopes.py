"""The envelope of one event type: the same wire shape as `Envelope`, with its payload typed."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event
from pydantic import create_model


@cache
def typed_envelope(event: type[Event]) -> type[Envelope]:
    """`<Event>Envelope`: `event_type` and `producer` fixed to the event's, `payload` the event itself.

    Consumers decode their messages with it and the AsyncAPI document shows it, so a message of another type
    or with an invalid payload fails validation (a poison message) before the handler runs.
    """
    fixed: dict[str, Any] = {
        "event_type": (Literal[event.event_type], ...),
        "producer": (Literal[event.producer], ...),
        "payload": (event, ...),
    }
    return create_model(
        f"{event.__name__}Envelope",
        __base__=Envelope,
        __doc__=f"A `{event.event_type}` event in its envelope.",
        **fixed,
    )
