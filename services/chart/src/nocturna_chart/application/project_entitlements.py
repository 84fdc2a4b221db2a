"""Use case: keep the entitlement projection in step with `subscription.subscription.changed.v1`."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from nocturna_platform.messaging.meta import EventMeta

from nocturna_chart.application.ports import ChartUnitOfWork
from nocturna_chart.domain.entitlements import EntitlementProjection


class ProjectEntitlementsHandler:
    """Newer subscription versions replace the projection; an erased user's are ignored."""

    def __init__(self, uow: Callable[[], ChartUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, projection: EntitlementProjection, meta: EventMeta) -> None:
        async with self._uow() as uow:
            if not await uow.claim(meta):
                return
            erased = await uow.entitlements.is_erased(projection.user_id)
            if not erased and projection.supersedes(await uow.entitlements.get(projection.user_id)):
                await uow.entitlements.put(projection)
            await uow.commit()


class GetEntitlementsHandler:
    def __init__(self, uow: Callable[[], ChartUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, user_id: UUID) -> EntitlementProjection | None:
        async with self._uow() as uow:
            return await uow.entitlements.get(user_id)
