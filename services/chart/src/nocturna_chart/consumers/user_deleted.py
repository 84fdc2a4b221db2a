"""`auth.user.deleted.v1` → erase the user's batch jobs and charts."""

from __future__ import annotations

from nocturna_contracts.auth.v1 import UserDeleted
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_chart.application.erase_user_batches import EraseUserBatchesHandler
from nocturna_chart.application.erase_user_charts import EraseUserChartsHandler


def subscribe(
    subscriptions: EventSubscriptions, handler: EraseUserChartsHandler, batches: EraseUserBatchesHandler
) -> None:
    async def on_user_deleted(event: UserDeleted, meta: EventMeta) -> None:
        await batches(event.user_id)
        await handler(event.user_id, meta)

    subscriptions.on(UserDeleted, on_user_deleted)
