"""Use cases of the sandbox provider's simulated pages: settle a checkout, end a billing period.

They produce signed webhooks and hand them to the same webhook pipeline a real provider's go through.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from nocturna_subscription.application.ports import SandboxWebhooks, SubscriptionUnitOfWork
from nocturna_subscription.application.process_billing_webhook import ProcessBillingWebhookHandler
from nocturna_subscription.application.start_checkout import NoSubscription
from nocturna_subscription.domain.billing import BillingInfo
from nocturna_subscription.domain.subscriptions import FREE_PLAN, Subscription, add_months

SANDBOX = "sandbox"


class CheckoutNotFound(LookupError):
    pass


class CustomerNotFound(LookupError):
    pass


class SandboxBillingHandler:
    def __init__(
        self,
        uow: Callable[[], SubscriptionUnitOfWork],
        sandbox: SandboxWebhooks,
        process: ProcessBillingWebhookHandler,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
    ) -> None:
        self._uow = uow
        self._sandbox = sandbox
        self._process = process
        self._clock = clock
        self._new_id = new_id

    async def settle_checkout(
        self, user_id: UUID, checkout_id: UUID, *, paid: bool, email: str | None, country: str | None
    ) -> str:
        """The customer pays (or fails to) on the sandbox checkout page; only the checkout's owner may."""
        async with self._uow() as uow:
            checkout = await uow.checkouts.get(checkout_id)
        if checkout is None or checkout.user_id != user_id or checkout.provider != SANDBOX:
            raise CheckoutNotFound(str(checkout_id))
        now = self._clock()
        data: dict[str, Any] = {"user_id": str(user_id), "checkout_id": str(checkout_id)}
        if paid:
            data |= _state(checkout.plan_code, now, f"sub_sandbox_{checkout_id.hex}")
            data["customer"] = {"id": f"cus_sandbox_{user_id.hex}", "email": email, "country": country}
        return await self._deliver("checkout.completed" if paid else "checkout.failed", data, now)

    async def end_period(self, user_id: UUID) -> str:
        """The provider's renewal at period end: the scheduled downgrade or cancellation takes effect."""
        async with self._uow() as uow:
            subscription = await uow.subscriptions.for_user(user_id)
        if subscription is None:
            raise NoSubscription(str(user_id))
        now = max(self._clock(), subscription.current_period_end)
        plan_code = subscription.pending_plan_code or subscription.plan.code
        if subscription.cancel_at_period_end:
            plan_code = FREE_PLAN
        data = {"user_id": str(user_id)} | _state(plan_code, now, subscription.provider_subscription_id)
        return await self._deliver("subscription.updated", data, now)

    async def portal_page(self, user_id: UUID, customer_id: str) -> tuple[BillingInfo, Subscription]:
        """The sandbox's customer portal: what it knows of the customer; only the customer may look."""
        async with self._uow() as uow:
            customer = await uow.billing_customers.get(user_id)
            subscription = await uow.subscriptions.for_user(user_id)
        if customer is None or customer.provider != SANDBOX or customer.customer_id != customer_id:
            raise CustomerNotFound(customer_id)
        if subscription is None:
            raise NoSubscription(str(user_id))
        return customer, subscription

    async def _deliver(self, event_type: str, data: dict[str, Any], now: datetime) -> str:
        event = {
            "id": f"evt_sandbox_{self._new_id().hex}",
            "type": event_type,
            "created": now.isoformat(),
            "data": data,
        }
        payload, headers = self._sandbox.signed(event, self._clock())
        return await self._process(SANDBOX, payload, headers)


def _state(plan_code: str, start: datetime, subscription_id: str | None) -> dict[str, Any]:
    return {
        "plan": plan_code,
        "status": "active",
        "period_start": start.isoformat(),
        "period_end": add_months(start, 1).isoformat(),
        "cancel_at_period_end": False,
        "subscription_id": subscription_id if plan_code != FREE_PLAN else None,
    }
