"""Client messages parsed strictly; events framed as `{type, event_id, occurred_at, data}`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from nocturna_contracts.chart.v1 import BatchSubmitted, ChartCalculated
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event
from nocturna_contracts.registry import EVENT_TYPES
from nocturna_gateway.consumers.instance_queue import ROUTING_KEYS
from nocturna_gateway.settings import WebSocketSettings
from nocturna_gateway.user_events import OWNER_FIELDS
from nocturna_gateway.websocket.protocol import (
    AuthMessage,
    PongMessage,
    ProtocolError,
    event_frame,
    parse_client_message,
)
from nocturna_platform.ids import uuid7
from pydantic import ValidationError


def test_auth_with_and_without_a_last_event_id() -> None:
    event_id = uuid7()
    assert parse_client_message('{"type":"auth","token":"t"}') == AuthMessage("t")
    assert parse_client_message(
        json.dumps({"type": "auth", "token": "t", "last_event_id": str(event_id)})
    ) == AuthMessage("t", event_id)
    assert parse_client_message('{"type":"pong"}') == PongMessage()


@pytest.mark.parametrize(
    "text",
    [
        "{",
        '"auth"',
        '{"type":"ping"}',
        '{"type":"auth","token":7}',
        '{"type":"auth","token":"t","last_event_id":"yesterday"}',
    ],
)
def test_anything_else_is_a_protocol_error(text: str) -> None:
    with pytest.raises(ProtocolError):
        parse_client_message(text)


def test_an_event_frame_carries_the_contract_type_id_time_and_payload() -> None:
    user_id = uuid4()
    event = ChartCalculated(
        calculation_id=uuid4(),
        user_id=user_id,
        engine="swisseph",
        calculated_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
    )
    occurred = datetime(2026, 1, 1, 13, 30, tzinfo=timezone(timedelta(hours=1)))
    envelope = Envelope.wrap(event, event_id=uuid7(), occurred_at=occurred)

    frame = json.loads(event_frame(envelope))

    assert frame == {
        "type": "chart.chart.calculated.v1",
        "event_id": str(envelope.event_id),
        "occurred_at": "2026-01-01T12:30:00Z",
        "data": envelope.payload,
    }
    assert frame["data"]["user_id"] == str(user_id)


def test_every_user_facing_event_names_its_owner_and_is_bound() -> None:
    internal = {BatchSubmitted}  # the chart service's own work queue for batch jobs, not news for the user
    user_facing = {
        event for event in EVENT_TYPES.values() if event.producer in ("chart", "subscription")
    } - internal

    assert set(OWNER_FIELDS) == user_facing
    for event, owner_field in OWNER_FIELDS.items():
        assert owner_field in event.model_fields
        assert event.event_type in ROUTING_KEYS
    assert {"auth.session.revoked.v1", "auth.user.deleted.v1"} <= set(ROUTING_KEYS)
    assert all(issubclass(event, Event) for event in OWNER_FIELDS)


def test_the_heartbeat_timeout_must_outlast_the_interval() -> None:
    with pytest.raises(ValidationError, match="heartbeat_timeout_seconds"):
        WebSocketSettings(heartbeat_interval_seconds=20, heartbeat_timeout_seconds=20)
    assert WebSocketSettings().heartbeat_timeout_seconds > WebSocketSettings().heartbeat_interval_seconds
