"""The typed envelope reads exactly what `Envelope.wrap` writes, and nothing of another event type."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from nocturna_contracts import Envelope
from nocturna_contracts.auth.v1 import UserRegistered
from nocturna_contracts.subscription.v1 import SubscriptionChanged
from nocturna_platform.ids import uuid7
from nocturna_platform.messaging.envelopes import typed_envelope
from pydantic import ValidationError

REGISTERED = UserRegistered(
    user_id=UUID("01936f5e-0000-7000-8000-0000000000aa"),
    email="vega@example.org",
    registered_at=datetime(2025, 3, 1, 8, 0, tzinfo=UTC),
)


def wire(event: UserRegistered) -> dict[str, object]:
    envelope = Envelope.wrap(event, event_id=uuid7(), occurred_at=datetime(2025, 3, 1, 8, 0, 1, tzinfo=UTC))
    return envelope.model_dump(mode="json")


def test_a_wrapped_event_reads_back_with_its_payload_typed() -> None:
    message = wire(REGISTERED)

    envelope = typed_envelope(UserRegistered).model_validate(message)

    assert envelope.payload == REGISTERED
    assert envelope.model_dump(mode="json") == message


def test_one_model_per_event_type() -> None:
    assert typed_envelope(UserRegistered) is typed_envelope(UserRegistered)
    assert typed_envelope(UserRegistered).__name__ == "UserRegisteredEnvelope"
    assert issubclass(typed_envelope(SubscriptionChanged), Envelope)


@pytest.mark.parametrize(
    "change",
    [
        {"event_type": "auth.user.deleted.v1"},
        {"payload": {"user_id": "not a uuid", "email": "vega@example.org"}},
    ],
    ids=["another event type", "an invalid payload"],
)
def test_a_message_of_another_type_or_with_an_invalid_payload_is_rejected(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        typed_envelope(UserRegistered).model_validate({**wire(REGISTERED), **change})


def test_unknown_fields_are_still_ignored() -> None:
    message = wire(REGISTERED)
    message["payload"] = {**message["payload"], "nickname": "vega"}  # type: ignore[dict-item]

    envelope = typed_envelope(UserRegistered).model_validate({**message, "priority": "high"})

    assert envelope.payload == REGISTERED
