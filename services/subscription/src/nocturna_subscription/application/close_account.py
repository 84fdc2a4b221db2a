"""Use case: a deleted account's subscription ends; billing info is erased; accounting keeps anonymous rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_platform.messaging.meta import EventMeta

from nocturna_subscription.application.events import subscription_changed
from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.billing import BillingProviders


class CloseAccountHandler:
    """Idempotent (inbox, and a canceled subscription stays as it is).

    What stays: the canceled subscription row and usage records, keyed by the now meaningless user id (auth
    erased everything that linked it to a person), and the webhook log with payloads (emails) erased.
    """

    def __init__(
        self,
        uow: Callable[[], SubscriptionUnitOfWork],
        providers: BillingProviders,
        clock: Callable[[], datetime],
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._clock = clock

    async def __call__(self, user_id: UUID, meta: EventMeta) -> None:
        async with self._uow() as uow:
            if not await uow.claim(meta):
                return
            subscription = await uow.subscriptions.for_user(user_id, lock=True)
            if subscription is not None:
                provider_subscription = (
                    subscription.provider_subscription_id if subscription.plan.is_paid else None
                )
                if subscription.cancel_now(self._clock()):
                    if provider_subscription is not None:
                        await self._providers.billing(subscription).schedule_change(
                            provider_subscription, None
                        )
                    await uow.subscriptions.save(subscription)
                    uow.publish(subscription_changed(subscription), cause=meta)
            await uow.billing_customers.erase(user_id)
            await uow.webhooks.erase_payloads_of(user_id)
            await uow.commit()
