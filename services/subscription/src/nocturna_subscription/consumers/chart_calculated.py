"""`chart.chart.calculated.v1` → one chart of usage, consumed in micro-batches (one transaction each)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from nocturna_contracts.chart.v1 import ChartCalculated
from nocturna_platform.messaging.meta import Delivery, EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_subscription.application.record_chart_usage import RecordChartUsage, RecordChartUsageHandler
from nocturna_subscription.application.record_chart_usage_batch import RecordChartUsageBatchHandler


def _command(event: ChartCalculated) -> RecordChartUsage:
    return RecordChartUsage(
        user_id=event.user_id,
        calculation_id=event.calculation_id,
        kind=event.kind,
        calculated_at=event.calculated_at,
    )


def subscribe(
    subscriptions: EventSubscriptions,
    handler: RecordChartUsageHandler,
    batch_handler: RecordChartUsageBatchHandler,
) -> None:
    async def on_chart_calculated(event: ChartCalculated, meta: EventMeta) -> None:
        await handler(_command(event), meta)

    async def on_chart_calculated_batch(deliveries: Sequence[Delivery[ChartCalculated]]) -> set[UUID]:
        return await batch_handler([(_command(delivery.event), delivery.meta) for delivery in deliveries])

    subscriptions.on_batch(ChartCalculated, on_chart_calculated_batch, on_chart_calculated)
