"""The wire protocol of `/api/v1/ws`: client messages, server frames and close codes (fixed by issue 7)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum
from uuid import UUID

from nocturna_contracts.envelope import Envelope


class CloseCode(IntEnum):
    """Why the gateway closed a socket; 4xxx codes mirror the HTTP status a client would recognise."""

    GOING_AWAY = 1001
    """The gateway is shutting down: reconnect (to any replica) and resume."""
    PROTOCOL_ERROR = 4400
    UNAUTHENTICATED = 4401
    """Invalid or expired credential, or the access token expired while connected: refresh, then reconnect."""
    SESSION_REVOKED = 4403
    USER_DELETED = 4404
    AUTH_TIMEOUT = 4408
    SLOW_CONSUMER = 4429
    """The socket's send queue overflowed: the client did not read fast enough."""
    HEARTBEAT_TIMEOUT = 4504
    TRY_AGAIN_LATER = 1013
    """The credential could not be checked now (auth unreachable): reconnect shortly."""


class ProtocolError(Exception):
    """A client message the protocol does not allow; the socket closes with 4400."""


@dataclass(frozen=True)
class AuthMessage:
    token: str
    last_event_id: UUID | None = None


@dataclass(frozen=True)
class PongMessage:
    pass


ClientMessage = AuthMessage | PongMessage

READY = '{"type":"ready"}'
PING = '{"type":"ping"}'


def parse_client_message(text: str) -> ClientMessage:
    try:
        message = json.loads(text)
    except ValueError as error:
        raise ProtocolError("not JSON") from error
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON object")
    kind = message.get("type")
    if kind == "pong":
        return PongMessage()
    if kind != "auth":
        raise ProtocolError(f"unexpected message type {kind!r}")
    token, last_event_id = message.get("token"), message.get("last_event_id")
    if not isinstance(token, str) or not token:
        raise ProtocolError("auth needs a token")
    if last_event_id is None:
        return AuthMessage(token)
    try:
        return AuthMessage(token, UUID(str(last_event_id)))
    except ValueError as error:
        raise ProtocolError("last_event_id is not an event id") from error


@dataclass(frozen=True)
class UserEvent:
    """One user-facing event as its socket frame, addressed to the user who owns it."""

    user_id: UUID
    event_id: UUID
    frame: str


def event_frame(envelope: Envelope) -> str:
    """`{"type", "event_id", "occurred_at", "data"}`: data is the payload as published (additive fields too)."""
    return json.dumps(
        {
            "type": envelope.event_type,
            "event_id": str(envelope.event_id),
            "occurred_at": envelope.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": envelope.payload,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
