"""The AsyncAPI document of what a client receives on the WebSocket: its own events, as the gateway sends them.

Built from the contracts rather than filtered out of `docs/asyncapi.json`: that document describes the
broker (exchanges, service queues), which clients never see; this one describes the socket and its frames.
"""

from __future__ import annotations

import inspect
from typing import Any

from nocturna_gateway.user_events import OWNER_FIELDS

WEBSOCKET_PATH = "/api/v1/ws"
_SCHEMAS = "#/components/schemas/"


def client_asyncapi(version: str) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {
        "auth": _control(
            "auth",
            "First frame from the client: an access token or API key.",
            {
                "token": {"type": "string"},
                "last_event_id": {"type": "string", "description": "Resume after this event."},
            },
            required=["token"],
        ),
        "pong": _control("pong", "The client's answer to a ping.", {}),
        "ready": _control("ready", "Authenticated: events follow.", {}),
        "ping": _control("ping", "Heartbeat; answer with a pong.", {}),
    }
    for event in OWNER_FIELDS:
        document = event.model_json_schema(ref_template=_SCHEMAS + "{model}")
        schemas.update(document.pop("$defs", {}))
        schemas[event.__name__] = document
        messages[event.event_type] = {
            "name": event.event_type,
            "title": event.event_type,
            "summary": inspect.getdoc(event),
            "contentType": "application/json",
            "payload": {
                "type": "object",
                "required": ["type", "event_id", "occurred_at", "data"],
                "properties": {
                    "type": {"const": event.event_type},
                    "event_id": {"type": "string", "format": "uuid"},
                    "occurred_at": {"type": "string", "format": "date-time"},
                    "data": {"$ref": _SCHEMAS + event.__name__},
                },
            },
        }
    channel_messages = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}
    client_sends = ("auth", "pong")
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Nocturna real-time events",
            "version": version,
            "description": "Events a client receives on the WebSocket: only its own. Authenticate in the "
            "first frame (never in the URL); a socket that does not is closed with code 4401.",
        },
        "servers": {"gateway": {"host": "", "pathname": WEBSOCKET_PATH, "protocol": "wss"}},
        "channels": {"events": {"address": WEBSOCKET_PATH, "messages": channel_messages}},
        "operations": {
            "sendToClient": {
                "action": "send",
                "channel": {"$ref": "#/channels/events"},
                "messages": [
                    {"$ref": f"#/channels/events/messages/{name}"}
                    for name in messages
                    if name not in client_sends
                ],
            },
            "receiveFromClient": {
                "action": "receive",
                "channel": {"$ref": "#/channels/events"},
                "messages": [{"$ref": f"#/channels/events/messages/{name}"} for name in client_sends],
            },
        },
        "components": {"messages": messages, "schemas": schemas},
    }


def _control(
    kind: str, summary: str, properties: dict[str, Any], required: list[str] | None = None
) -> dict[str, Any]:
    return {
        "name": kind,
        "summary": summary,
        "contentType": "application/json",
        "payload": {
            "type": "object",
            "required": ["type", *(required or [])],
            "properties": {"type": {"const": kind}, **properties},
        },
    }
