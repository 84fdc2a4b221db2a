"""`chart.batch.submitted.v1` → the chart service's own workers run the job (a crash resumes it)."""

from __future__ import annotations

from nocturna_contracts.chart.v1 import BatchSubmitted
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_chart.application.run_batch import RunBatchHandler


def subscribe(subscriptions: EventSubscriptions, handler: RunBatchHandler) -> None:
    async def on_batch_submitted(event: BatchSubmitted, meta: EventMeta) -> None:
        await handler(event.batch_id, meta)

    subscriptions.on(BatchSubmitted, on_batch_submitted)
