"""Use case: a provider webhook, verified, stored, then applied exactly once and never backwards."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from nocturna_subscription.application.events import subscription_changed
from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.billing import BillingEvent, BillingProvider


class UnknownProvider(LookupError):
    pass


class ProcessBillingWebhookHandler:
    """Verify (a bad signature raises before anything is written), store the raw webhook in its own
    transaction, then process it under a row lock in a second one that marks it processed. A redelivery
    finds it processed; a crash mid-processing leaves it stored and unprocessed for the provider's retry.
    States older than the last applied one (provider timestamps) are recorded as `stale` and change nothing.
    """

    def __init__(
        self,
        uow: Callable[[], SubscriptionUnitOfWork],
        providers: Mapping[str, BillingProvider],
        clock: Callable[[], datetime],
    ) -> None:
        self._uow = uow
        self._providers = providers
        self._clock = clock

    async def __call__(self, provider_name: str, payload: bytes, headers: Mapping[str, str]) -> str:
        provider = self._providers.get(provider_name)
        if provider is None:
            raise UnknownProvider(provider_name)
        now = self._clock()
        event = provider.parse_webhook(payload, headers, now)
        async with self._uow() as uow:
            await uow.webhooks.store(provider.name, event.event_id, payload.decode(), now)
            await uow.commit()
        async with self._uow() as uow:
            if not await uow.webhooks.claim_unprocessed(provider.name, event.event_id):
                return "duplicate"
            outcome = await self._apply(uow, event, now)
            await uow.webhooks.mark_processed(provider.name, event.event_id, event.user_id, outcome, now)
            await uow.commit()
        return outcome

    async def _apply(self, uow: SubscriptionUnitOfWork, event: BillingEvent, now: datetime) -> str:
        if event.kind == "ignored" or event.user_id is None:
            return "ignored"
        checkout = await uow.checkouts.get(event.checkout_id) if event.checkout_id is not None else None
        if checkout is not None and checkout.provider != event.provider:
            return "other_provider"
        if checkout is not None and checkout.status == "open":
            checkout.status = "failed" if event.kind == "checkout_failed" else "completed"
            await uow.checkouts.save(checkout)
        if event.kind == "checkout_failed" or event.state is None:
            return "checkout_failed" if event.kind == "checkout_failed" else "ignored"
        subscription = await uow.subscriptions.for_user(event.user_id, lock=True)
        if subscription is None or subscription.status == "canceled":
            return "no_subscription"
        # A checkout we opened at this provider moves the subscription to it; otherwise only its own provider
        if not subscription.billed_by(event.provider) and not (
            checkout and event.kind == "checkout_completed"
        ):
            return "other_provider"
        if subscription.is_stale(event.occurred_at):
            return "stale"
        plan = await uow.plans.get(event.state.plan_code)
        if plan is None:
            raise LookupError(f"the provider names unknown plan {event.state.plan_code!r}")
        if event.billing_info is not None:
            await uow.billing_customers.put(event.user_id, event.billing_info, now)
        changed = subscription.apply_provider_state(
            event.state, plan, event.occurred_at, now, provider=event.provider
        )
        await uow.subscriptions.save(subscription)
        if not changed:
            return "unchanged"
        uow.publish(subscription_changed(subscription))
        return "applied"
