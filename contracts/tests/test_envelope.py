from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from nocturna_contracts import (
    ContractError,
    Envelope,
    EventTypeMismatchError,
    UnknownEventTypeError,
    parse_event,
)
from nocturna_contracts.auth.v1 import UserRegistered
from nocturna_contracts.subscription.v1 import SubscriptionChanged
from pydantic import ValidationError

USER_ID = UUID("01936f5e-0000-7000-8000-0000000000aa")
REGISTERED_AT = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
EVENT_ID = UUID("01936f5e-8c3a-7b2e-9d4f-1a2b3c4d5e6f")
CAUSE_ID = UUID("01936f5e-8c3a-7000-8000-000000000001")
REQUEST_ID = UUID("01936f5e-8c3a-7000-8000-000000000002")
OCCURRED_AT = datetime(2025, 3, 1, 8, 0, 1, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


def wire_message(**overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "event_id": str(EVENT_ID),
        "event_type": "auth.user.registered.v1",
        "occurred_at": "2025-03-01T10:00:01+02:00",
        "producer": "auth",
        "correlation_id": str(REQUEST_ID),
        "causation_id": None,
        "payload": {
            "user_id": str(USER_ID),
            "email": "vega@example.org",
            "display_name": "Vega",
            "email_verified": True,
            "registered_at": "2025-03-01T08:00:00Z",
        },
    }
    return message | overrides


def test_a_wire_message_becomes_its_typed_event() -> None:
    envelope = Envelope.model_validate_json(json.dumps(wire_message()))

    assert parse_event(envelope) == UserRegistered(
        user_id=USER_ID,
        email="vega@example.org",
        display_name="Vega",
        email_verified=True,
        registered_at=REGISTERED_AT,
    )
    assert envelope.occurred_at == OCCURRED_AT
    assert envelope.occurred_at.utcoffset() == timedelta(0)
    assert envelope.correlation_id == REQUEST_ID


def test_a_wrapped_event_survives_the_wire(subscription_changed: SubscriptionChanged) -> None:
    sent = Envelope.wrap(subscription_changed, event_id=EVENT_ID, occurred_at=OCCURRED_AT)

    received = Envelope.model_validate_json(sent.model_dump_json())

    assert received == sent
    assert received.event_type == "subscription.subscription.changed.v1"
    assert received.producer == "subscription"
    assert received.payload_as(SubscriptionChanged) == subscription_changed
    assert parse_event(received) == subscription_changed


def test_timestamps_are_written_in_utc_with_a_z() -> None:
    event = UserRegistered(
        user_id=USER_ID, email="vega@example.org", registered_at=datetime(2025, 3, 1, 10, tzinfo=PLUS_TWO)
    )
    envelope = Envelope.wrap(
        event, event_id=EVENT_ID, occurred_at=datetime(2025, 3, 1, 10, 0, 1, tzinfo=PLUS_TWO)
    )

    wire = json.loads(envelope.model_dump_json())

    assert wire["occurred_at"] == "2025-03-01T08:00:01Z"
    assert wire["payload"]["registered_at"] == "2025-03-01T08:00:00Z"


def test_unknown_fields_are_ignored_in_the_envelope_and_the_payload(
    subscription_changed: SubscriptionChanged,
) -> None:
    message = json.loads(
        Envelope.wrap(subscription_changed, event_id=EVENT_ID, occurred_at=OCCURRED_AT).model_dump_json()
    )
    message["schema_hint"] = "future"
    message["payload"]["trial_days_left"] = 3
    message["payload"]["entitlements"]["moon_phases"] = True

    event = parse_event(Envelope.model_validate_json(json.dumps(message)))

    assert event == subscription_changed


def test_a_naive_occurred_at_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Envelope.model_validate(wire_message(occurred_at="2025-03-01T10:00:01"))


def test_a_naive_datetime_in_the_payload_is_refused() -> None:
    message = wire_message()
    message["payload"]["registered_at"] = "2025-03-01T08:00:00"
    envelope = Envelope.model_validate(message)

    with pytest.raises(ValidationError, match="timezone"):
        parse_event(envelope)


def test_wrapping_refuses_a_naive_occurred_at(user_registered: UserRegistered) -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Envelope.wrap(user_registered, event_id=EVENT_ID, occurred_at=datetime(2025, 3, 1, 8))


def test_an_unknown_event_type_raises_a_contract_error() -> None:
    envelope = Envelope.model_validate(wire_message(event_type="auth.user.teleported.v1"))

    with pytest.raises(UnknownEventTypeError, match=re.escape("auth.user.teleported.v1")) as error:
        parse_event(envelope)

    assert error.value.event_type == "auth.user.teleported.v1"
    assert isinstance(error.value, ContractError)
    assert isinstance(error.value, ValueError)


def test_reading_a_payload_as_another_event_is_refused() -> None:
    envelope = Envelope.model_validate(wire_message())

    with pytest.raises(EventTypeMismatchError, match=re.escape("subscription.subscription.changed.v1")):
        envelope.payload_as(SubscriptionChanged)


def test_an_invalid_payload_is_refused() -> None:
    message = wire_message()
    del message["payload"]["email"]

    with pytest.raises(ValidationError, match="email"):
        parse_event(Envelope.model_validate(message))


def test_an_unknown_subscription_status_is_refused(subscription_changed: SubscriptionChanged) -> None:
    envelope = Envelope.wrap(subscription_changed, event_id=EVENT_ID, occurred_at=OCCURRED_AT)
    message = envelope.model_dump(mode="json")
    message["payload"]["status"] = "paused"

    with pytest.raises(ValidationError, match="status"):
        parse_event(Envelope.model_validate(message))


def test_an_event_id_must_be_a_uuidv7() -> None:
    with pytest.raises(ValidationError, match="UUIDv7"):
        Envelope.model_validate(wire_message(event_id="6f1c1f4e-3b1a-4c61-9a52-0c4f3b1d2e7a"))


@pytest.mark.parametrize(
    "event_type",
    [
        "auth.user.registered",
        "Auth.user.registered.v1",
        "auth.user.registered.v0",
        "auth.user.registered.v1.x",
    ],
)
def test_an_event_type_must_be_a_versioned_routing_key(event_type: str) -> None:
    with pytest.raises(ValidationError, match="event_type"):
        Envelope.model_validate(wire_message(event_type=event_type))


def test_a_producer_publishes_only_its_own_event_types() -> None:
    with pytest.raises(ValidationError, match="producer 'chart' cannot publish"):
        Envelope.model_validate(wire_message(producer="chart"))


def test_an_event_caused_by_another_names_its_cause_and_keeps_the_correlation(
    user_registered: UserRegistered, subscription_changed: SubscriptionChanged
) -> None:
    cause = Envelope.wrap(
        user_registered, event_id=CAUSE_ID, occurred_at=OCCURRED_AT, correlation_id=REQUEST_ID
    )

    effect = Envelope.wrap(subscription_changed, event_id=EVENT_ID, occurred_at=OCCURRED_AT, caused_by=cause)

    assert effect.causation_id == CAUSE_ID
    assert effect.correlation_id == REQUEST_ID


def test_an_uncorrelated_cause_starts_the_correlation(
    user_registered: UserRegistered, subscription_changed: SubscriptionChanged
) -> None:
    cause = Envelope.wrap(user_registered, event_id=CAUSE_ID, occurred_at=OCCURRED_AT)

    effect = Envelope.wrap(subscription_changed, event_id=EVENT_ID, occurred_at=OCCURRED_AT, caused_by=cause)

    assert (effect.causation_id, effect.correlation_id) == (CAUSE_ID, CAUSE_ID)


def test_envelopes_and_events_cannot_be_changed(user_registered: UserRegistered) -> None:
    envelope = Envelope.wrap(user_registered, event_id=EVENT_ID, occurred_at=OCCURRED_AT)

    with pytest.raises(ValidationError, match="frozen"):
        envelope.producer = "chart"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        user_registered.email = "other@example.org"  # type: ignore[misc]
