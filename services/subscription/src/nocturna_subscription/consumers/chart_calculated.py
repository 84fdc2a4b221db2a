"""`chart.chart.calculated.v1` → one chart of usage."""

from __future__ import annotations

from nocturna_contracts.chart.v1 import ChartCalculated
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_subscription.application.record_chart_usage import RecordChartUsage, RecordChartUsageHandler


def subscribe(subscriptions: EventSubscriptions, handler: RecordChartUsageHandler) -> None:
    async def on_chart_calculated(event: ChartCalculated, meta: EventMeta) -> None:
        command = RecordChartUsage(
            user_id=event.user_id,
            calculation_id=event.calculation_id,
            kind=event.kind,
            calculated_at=event.calculated_at,
        )
        await handler(command, meta)

    subscriptions.on(ChartCalculated, on_chart_calculated)
