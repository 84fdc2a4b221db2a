"""The events a client receives on its WebSocket, and the field naming the one user who may see each."""

from __future__ import annotations

from collections.abc import Mapping

from nocturna_contracts.chart.v1 import BatchCompleted, BatchProgressed, ChartCalculated, ChartDeleted
from nocturna_contracts.event import Event
from nocturna_contracts.subscription.v1 import QuotaThresholdReached, SubscriptionChanged

OWNER_FIELDS: Mapping[type[Event], str] = {
    ChartCalculated: "user_id",
    ChartDeleted: "user_id",
    BatchProgressed: "user_id",
    BatchCompleted: "user_id",
    SubscriptionChanged: "user_id",
    QuotaThresholdReached: "user_id",
}
"""Nobody but the named user ever receives one of these; the socket's AsyncAPI document lists the same."""
