from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import NonNegativeInt

from nocturna_contracts.event import Event
from nocturna_contracts.timestamps import UtcDateTime

ChartKind = Literal["natal", "transits", "synastry", "solar_return", "lunar_return"]


class ChartCalculated(Event):
    """A chart was calculated for a user (one billable calculation; usage counts one per event id).

    `chart_id` is null for calculations that save nothing (transits, synastry from inline data, returns).
    Birth data never travels in events.
    """

    event_type: ClassVar[str] = "chart.chart.calculated.v1"
    producer: ClassVar[str] = "chart"

    calculation_id: UUID
    user_id: UUID
    chart_id: UUID | None = None
    kind: ChartKind = "natal"
    house_system: str | None = None
    engine: str
    batch_id: UUID | None = None
    calculated_at: UtcDateTime


class ChartDeleted(Event):
    """A saved chart was deleted, by its owner or because the owner's account was deleted."""

    event_type: ClassVar[str] = "chart.chart.deleted.v1"
    producer: ClassVar[str] = "chart"

    chart_id: UUID
    user_id: UUID
    reason: str = "deleted"
    deleted_at: UtcDateTime


class BatchSubmitted(Event):
    """A batch job was accepted; the chart service's own workers pick it up from their queue.

    Carries no birth data: the records stay sealed in the chart schema until a worker casts them.
    """

    event_type: ClassVar[str] = "chart.batch.submitted.v1"
    producer: ClassVar[str] = "chart"

    batch_id: UUID
    user_id: UUID
    total: NonNegativeInt
    submitted_at: UtcDateTime


class BatchProgressed(Event):
    """Progress of a batch job, at least once a second while it runs; counts only grow."""

    event_type: ClassVar[str] = "chart.batch.progressed.v1"
    producer: ClassVar[str] = "chart"

    batch_id: UUID
    user_id: UUID
    total: NonNegativeInt
    processed: NonNegativeInt
    succeeded: NonNegativeInt
    failed: NonNegativeInt
    progressed_at: UtcDateTime


class BatchCompleted(Event):
    """A batch job finished; `failed` records are listed by `GET /api/v1/charts/batch/{id}`."""

    event_type: ClassVar[str] = "chart.batch.completed.v1"
    producer: ClassVar[str] = "chart"

    batch_id: UUID
    user_id: UUID
    total: NonNegativeInt
    succeeded: NonNegativeInt
    failed: NonNegativeInt
    completed_at: UtcDateTime
