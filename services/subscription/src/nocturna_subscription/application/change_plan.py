"""Use cases: cancel or downgrade, both at the end of the current period (upgrades go through checkout)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_subscription.application.events import subscription_changed
from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.application.start_checkout import NoSubscription, UnknownPlan
from nocturna_subscription.domain.billing import BillingProviders
from nocturna_subscription.domain.subscriptions import Subscription


class CancelSubscriptionHandler:
    """Idempotent: canceling a subscription already set to end changes nothing and announces nothing."""

    def __init__(
        self,
        uow: Callable[[], SubscriptionUnitOfWork],
        providers: BillingProviders,
        clock: Callable[[], datetime],
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._clock = clock

    async def __call__(self, user_id: UUID) -> Subscription:
        async with self._uow() as uow:
            subscription = await uow.subscriptions.for_user(user_id, lock=True)
            if subscription is None:
                raise NoSubscription(str(user_id))
            version = subscription.version
            subscription.cancel_at_end(self._clock())
            if subscription.version != version:
                assert subscription.provider_subscription_id is not None
                await self._providers.billing(subscription).schedule_change(
                    subscription.provider_subscription_id, None
                )
                await uow.subscriptions.save(subscription)
                uow.publish(subscription_changed(subscription))
                await uow.commit()
            return subscription


class DowngradeSubscriptionHandler:
    def __init__(
        self,
        uow: Callable[[], SubscriptionUnitOfWork],
        providers: BillingProviders,
        clock: Callable[[], datetime],
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._clock = clock

    async def __call__(self, user_id: UUID, plan_code: str) -> Subscription:
        async with self._uow() as uow:
            subscription = await uow.subscriptions.for_user(user_id, lock=True)
            if subscription is None:
                raise NoSubscription(str(user_id))
            plan = await uow.plans.get(plan_code)
            if plan is None:
                raise UnknownPlan(plan_code)
            subscription.schedule_downgrade(plan, self._clock())
            assert subscription.provider_subscription_id is not None
            await self._providers.billing(subscription).schedule_change(
                subscription.provider_subscription_id, plan
            )
            await uow.subscriptions.save(subscription)
            uow.publish(subscription_changed(subscription))
            await uow.commit()
            return subscription
