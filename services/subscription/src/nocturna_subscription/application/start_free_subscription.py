"""Use case: a newly registered user gets the free plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.application.events import subscription_changed
from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.subscriptions import FREE_PLAN, Subscription


@dataclass(frozen=True)
class StartFreeSubscription:
    user_id: UUID
    email_verified: bool = False


class StartFreeSubscriptionHandler:
    """Idempotent: the inbox drops redeliveries, and a user who already has a subscription keeps it."""

    def __init__(
        self,
        uow: Callable[[], SubscriptionUnitOfWork],
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, command: StartFreeSubscription, meta: EventMeta) -> None:
        async with self._uow() as uow:
            if not await uow.claim(meta):
                return
            if await uow.subscriptions.for_user(command.user_id) is None:
                plan = await uow.plans.get(FREE_PLAN)
                if plan is None:
                    raise LookupError("the free plan is missing from the catalogue")
                subscription = Subscription.start_free(
                    subscription_id=self._new_id(),
                    user_id=command.user_id,
                    plan=plan,
                    now=self._clock(),
                    email_verified=command.email_verified,
                )
                await uow.subscriptions.add(subscription)
                uow.publish(subscription_changed(subscription), cause=meta)
            await uow.commit()
