"""Use case: open a checkout at the billing provider to upgrade to a paid plan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.billing import BillingProvider, Checkout, CheckoutSession


class NoSubscription(LookupError):
    pass


class UnknownPlan(LookupError):
    pass


class StartCheckoutHandler:
    """Checks the upgrade is allowed (offered paid plan above the current one, verified email), then asks
    the provider for a session; the provider's webhook, not this call, changes the plan."""

    def __init__(
        self,
        uow: Callable[[], SubscriptionUnitOfWork],
        provider: BillingProvider,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._provider = provider
        self._clock = clock
        self._new_id = new_id

    async def __call__(self, user_id: UUID, plan_code: str) -> CheckoutSession:
        async with self._uow() as uow:
            subscription = await uow.subscriptions.for_user(user_id)
            if subscription is None:
                raise NoSubscription(str(user_id))
            plan = await uow.plans.get(plan_code)
            if plan is None:
                raise UnknownPlan(plan_code)
            subscription.check_upgrade(plan)
            customer = await uow.billing_customers.get(user_id)
        checkout_id = self._new_id()
        known_customer = (
            customer.customer_id if customer and customer.provider == self._provider.name else None
        )
        session = await self._provider.create_checkout(
            checkout_id=checkout_id, user_id=user_id, plan=plan, customer_id=known_customer
        )
        async with self._uow() as uow:
            await uow.checkouts.add(
                Checkout(
                    id=checkout_id,
                    user_id=user_id,
                    plan_code=plan.code,
                    provider=self._provider.name,
                    session_id=session.id,
                    status="open",
                    created_at=self._clock(),
                )
            )
            await uow.commit()
        return session
