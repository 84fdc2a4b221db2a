"""Use case: a link to the billing provider's customer portal (payment methods, invoices, cancellation)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.billing import BillingProviders


class NoBillingCustomer(LookupError):
    """The user never completed a checkout, so no provider knows them as a customer."""


class OpenBillingPortalHandler:
    """Asks the provider that holds the user's billing customer for a short-lived portal session URL."""

    def __init__(self, uow: Callable[[], SubscriptionUnitOfWork], providers: BillingProviders) -> None:
        self._uow = uow
        self._providers = providers

    async def __call__(self, user_id: UUID) -> str:
        async with self._uow() as uow:
            customer = await uow.billing_customers.get(user_id)
        if customer is None:
            raise NoBillingCustomer(str(user_id))
        return await self._providers.named(customer.provider).portal_link(customer.customer_id)
