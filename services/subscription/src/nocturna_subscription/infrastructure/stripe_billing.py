"""Stripe as the billing provider: Checkout Sessions, the customer portal, signed webhooks.

Our user id travels as `client_reference_id` and in `metadata` (`user_id`, `plan`, `checkout_id`) of the
session and of the subscription it creates, so every webhook names the user and plan it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import stripe

from nocturna_subscription.domain.billing import (
    BillingEvent,
    BillingInfo,
    CheckoutSession,
    InvalidWebhookSignature,
    ProviderState,
)
from nocturna_subscription.domain.subscriptions import FREE_PLAN, Plan, Status, add_months

NAME = "stripe"
STATUSES: Mapping[str, Status] = {
    "trialing": "trialing",
    "active": "active",
    "past_due": "past_due",
    "unpaid": "past_due",
    "incomplete": "past_due",
    "canceled": "canceled",
    "incomplete_expired": "canceled",
}


def _at(seconds: int | float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class StripeBillingProvider:
    name = NAME

    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        prices: Mapping[str, str],
        success_url: str,
        cancel_url: str,
        portal_return_url: str,
        tolerance_seconds: int,
        http_client: stripe.HTTPClient | None = None,
    ) -> None:
        """`http_client` replaces Stripe's default HTTP layer (tests answer locally with it)."""
        self._client = stripe.StripeClient(api_key, http_client=http_client)
        self._portal_return_url = portal_return_url
        self._webhook_secret = webhook_secret
        self._prices = dict(prices)
        self._success_url = success_url
        self._cancel_url = cancel_url
        self._tolerance = tolerance_seconds

    async def create_checkout(
        self, *, checkout_id: UUID, user_id: UUID, plan: Plan, customer_id: str | None, idempotency_key: str
    ) -> CheckoutSession:
        metadata = {"user_id": str(user_id), "plan": plan.code, "checkout_id": str(checkout_id)}
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": self._prices[plan.code], "quantity": 1}],
            "client_reference_id": str(user_id),
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": self._success_url,
            "cancel_url": self._cancel_url,
        }
        if customer_id:
            params["customer"] = customer_id
        session = await self._client.v1.checkout.sessions.create_async(
            params,  # type: ignore[arg-type]
            {"idempotency_key": idempotency_key},
        )
        return CheckoutSession(id=session.id, url=session.url or "")

    async def portal_link(self, customer_id: str) -> str:
        session = await self._client.v1.billing_portal.sessions.create_async(
            {"customer": customer_id, "return_url": self._portal_return_url}
        )
        return session.url

    async def schedule_change(self, provider_subscription_id: str, plan: Plan | None) -> None:
        if plan is None or not plan.is_paid:
            await self._client.v1.subscriptions.update_async(
                provider_subscription_id, {"cancel_at_period_end": True}
            )
            return
        schedule = await self._client.v1.subscription_schedules.create_async(
            {"from_subscription": provider_subscription_id}
        )
        current = schedule.phases[0]
        params: dict[str, Any] = {
            "end_behavior": "release",
            "phases": [
                {
                    "items": [{"price": item.price, "quantity": item.quantity} for item in current.items],
                    "start_date": current.start_date,
                    "end_date": current.end_date,
                },
                {
                    "items": [{"price": self._prices[plan.code], "quantity": 1}],
                    "metadata": {"plan": plan.code},
                },
            ],
        }
        await self._client.v1.subscription_schedules.update_async(schedule.id, params)  # type: ignore[arg-type]

    def parse_webhook(self, payload: bytes, headers: Mapping[str, str], now: datetime) -> BillingEvent:
        try:
            event = stripe.Webhook.construct_event(
                payload, headers.get("stripe-signature"), self._webhook_secret, tolerance=self._tolerance
            )
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise InvalidWebhookSignature(str(error)) from error
        obj: dict[str, Any] = event.to_dict()["data"]["object"]  # plain dicts all the way down
        occurred_at = _at(event.created)
        metadata = dict(obj.get("metadata") or {})
        user_id = metadata.get("user_id") or obj.get("client_reference_id")
        base = {
            "provider": NAME,
            "event_id": event.id,
            "occurred_at": occurred_at,
            "user_id": UUID(user_id) if user_id else None,
            "checkout_id": UUID(metadata["checkout_id"]) if metadata.get("checkout_id") else None,
        }
        if event.type == "checkout.session.completed":
            details = obj.get("customer_details") or {}
            address = details.get("address") or {}
            customer = obj.get("customer")
            state = ProviderState(
                plan_code=metadata.get("plan", FREE_PLAN),
                status="active",
                period_start=occurred_at,
                period_end=add_months(occurred_at, 1),
                cancel_at_period_end=False,
                provider_subscription_id=obj.get("subscription"),
            )
            info = (
                BillingInfo(NAME, customer, details.get("email"), address.get("country"))
                if customer
                else None
            )
            return BillingEvent(kind="checkout_completed", state=state, billing_info=info, **base)
        if event.type in ("checkout.session.expired", "checkout.session.async_payment_failed"):
            return BillingEvent(kind="checkout_failed", **base)
        if event.type in ("customer.subscription.updated", "customer.subscription.deleted"):
            return BillingEvent(
                kind="subscription_updated", state=self._subscription_state(obj, event.type), **base
            )
        return BillingEvent(kind="ignored", **base)

    @staticmethod
    def _subscription_state(obj: Any, event_type: str) -> ProviderState:
        items = (obj.get("items") or {}).get("data") or [{}]
        start = obj.get("current_period_start") or items[0].get("current_period_start")
        end = obj.get("current_period_end") or items[0].get("current_period_end")
        if event_type == "customer.subscription.deleted":
            # The paid plan ended (canceled at period end, or unpaid): back to the free plan from now.
            ended = _at(obj.get("ended_at") or end)
            return ProviderState(FREE_PLAN, "active", ended, add_months(ended, 1), False, None)
        return ProviderState(
            plan_code=(obj.get("metadata") or {}).get("plan", FREE_PLAN),
            status=STATUSES.get(obj.get("status"), "past_due"),
            period_start=_at(start),
            period_end=_at(end),
            cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
            provider_subscription_id=obj.get("id"),
        )
