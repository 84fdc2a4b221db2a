from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from nocturna_contracts.auth.v1 import (
    ApiKeyRevoked,
    SessionRevoked,
    UserDeleted,
    UserEmailVerified,
    UserRegistered,
    UserRolesChanged,
)
from nocturna_contracts.chart.v1 import (
    BatchCompleted,
    BatchProgressed,
    BatchSubmitted,
    ChartCalculated,
    ChartDeleted,
)
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.errors import UnknownEventTypeError
from nocturna_contracts.event import Event
from nocturna_contracts.subscription.v1 import QuotaThresholdReached, SubscriptionChanged

EVENT_TYPES: Final[Mapping[str, type[Event]]] = MappingProxyType(
    {
        UserRegistered.event_type: UserRegistered,
        UserEmailVerified.event_type: UserEmailVerified,
        UserDeleted.event_type: UserDeleted,
        UserRolesChanged.event_type: UserRolesChanged,
        SessionRevoked.event_type: SessionRevoked,
        ApiKeyRevoked.event_type: ApiKeyRevoked,
        SubscriptionChanged.event_type: SubscriptionChanged,
        QuotaThresholdReached.event_type: QuotaThresholdReached,
        ChartCalculated.event_type: ChartCalculated,
        ChartDeleted.event_type: ChartDeleted,
        BatchSubmitted.event_type: BatchSubmitted,
        BatchProgressed.event_type: BatchProgressed,
        BatchCompleted.event_type: BatchCompleted,
    }
)


def parse_event(envelope: Envelope) -> Event:
    event_class = EVENT_TYPES.get(envelope.event_type)
    if event_class is None:
        raise UnknownEventTypeError(envelope.event_type)
    return envelope.payload_as(event_class)
