"""Use case: `auth.user.deleted.v1` erases every chart, the usage counts and the plan projection of the user.

The projection stays erased: subscription announces the closed account's canceled subscription after (or
before) this event, and that announcement must not bring the projection back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_contracts.chart.v1 import ChartDeleted
from nocturna_platform.messaging.meta import EventMeta

from nocturna_chart.application.ports import ChartUnitOfWork


class EraseUserChartsHandler:
    """Idempotent: the inbox skips a redelivery, and erasing nothing is harmless anyway."""

    def __init__(self, uow: Callable[[], ChartUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, user_id: UUID, meta: EventMeta) -> None:
        async with self._uow() as uow:
            if not await uow.claim(meta):
                return
            now = self._clock()
            # The plan projection first: deleting its row waits for a create of this user holding it, so the
            # charts deleted next include that create's; a create after this finds the user erased.
            await uow.entitlements.erase(user_id, now)
            for chart_id in await uow.charts.delete_all(user_id):
                uow.publish(
                    ChartDeleted(
                        chart_id=chart_id, user_id=user_id, reason="account_deleted", deleted_at=now
                    ),
                    cause=meta,
                )
            await uow.usage.delete_all(user_id)
            await uow.commit()
