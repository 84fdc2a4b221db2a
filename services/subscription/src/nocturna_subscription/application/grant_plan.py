"""Use case: an admin grants a plan (complimentary), effective at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_subscription.application.events import subscription_changed
from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.application.start_checkout import NoSubscription, UnknownPlan
from nocturna_subscription.domain.subscriptions import Subscription


class GrantPlanHandler:
    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork], clock: Callable[[], datetime]) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, user_id: UUID, plan_code: str) -> Subscription:
        async with self._uow() as uow:
            subscription = await uow.subscriptions.for_user(user_id, lock=True)
            if subscription is None or subscription.status == "canceled":
                raise NoSubscription(str(user_id))
            plan = await uow.plans.get(plan_code)
            if plan is None:
                raise UnknownPlan(plan_code)
            subscription.grant(plan, self._clock())
            await uow.subscriptions.save(subscription)
            uow.publish(subscription_changed(subscription))
            await uow.commit()
            return subscription
