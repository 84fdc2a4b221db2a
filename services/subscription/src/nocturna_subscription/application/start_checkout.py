"""Use case: open a checkout at the billing provider to upgrade to a paid plan."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from nocturna_subscription.application.ports import SubscriptionUnitOfWork
from nocturna_subscription.domain.billing import (
    BillingProvider,
    Checkout,
    CheckoutRequest,
    CheckoutRequestInProgress,
    CheckoutSession,
    IdempotencyKeyReused,
)

IDEMPOTENCY_TTL = timedelta(hours=24)
IN_PROGRESS_WAIT = timedelta(seconds=5)
IN_PROGRESS_POLL_SECONDS = 0.05


class NoSubscription(LookupError):
    pass


class UnknownPlan(LookupError):
    pass


@dataclass(frozen=True)
class StartedCheckout:
    session: CheckoutSession
    replayed: bool = False


def fingerprint(plan_code: str) -> str:
    """What makes two checkout requests the same request."""
    return hashlib.sha256(json.dumps({"plan": plan_code}, sort_keys=True).encode()).hexdigest()


class StartCheckoutHandler:
    """Checks the upgrade is allowed (offered paid plan above the current one, verified email), then asks
    the provider for a session; the provider's webhook, not this call, changes the plan.

    With an idempotency key, the first request reserves the key (per user, 24 h); the same key and plan get
    the same session back — a concurrent duplicate waits for the first — and the key with another plan is
    refused. The provider gets an idempotency key of its own derived from it, so a retry after a lost answer
    opens no second session there either.
    """

    def __init__(
        self,
        uow: Callable[[], SubscriptionUnitOfWork],
        provider: BillingProvider,
        clock: Callable[[], datetime],
        new_id: Callable[[], UUID],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._uow = uow
        self._provider = provider
        self._clock = clock
        self._new_id = new_id
        self._sleep = sleep

    async def __call__(
        self, user_id: UUID, plan_code: str, idempotency_key: str | None = None
    ) -> StartedCheckout:
        if idempotency_key is None:
            checkout_id = self._new_id()
            return StartedCheckout(
                await self._start(user_id, plan_code, checkout_id, f"checkout:{checkout_id}")
            )
        request, stored = await self._reserve(user_id, plan_code, idempotency_key)
        if stored is not request:
            assert stored.session is not None
            return StartedCheckout(stored.session, replayed=True)
        try:
            session = await self._start(
                user_id, plan_code, request.checkout_id, f"checkout:{user_id}:{idempotency_key}", request
            )
        except BaseException:
            async with self._uow() as uow:
                await uow.checkout_requests.release(request)
                await uow.commit()
            raise
        return StartedCheckout(session)

    async def _reserve(
        self, user_id: UUID, plan_code: str, key: str
    ) -> tuple[CheckoutRequest, CheckoutRequest]:
        """Our new request and the stored one: the same object when we reserved the key, else the earlier
        request once its session is known."""
        deadline = self._clock() + IN_PROGRESS_WAIT
        while True:
            now = self._clock()
            request = CheckoutRequest(
                user_id=user_id,
                key=key,
                fingerprint=fingerprint(plan_code),
                checkout_id=self._new_id(),
                created_at=now,
                expires_at=now + IDEMPOTENCY_TTL,
            )
            async with self._uow() as uow:
                stored = await uow.checkout_requests.reserve(request, now)
                await uow.commit()
            if stored.checkout_id == request.checkout_id:
                return request, request
            if stored.fingerprint != request.fingerprint:
                raise IdempotencyKeyReused(key)
            if stored.session is not None:
                return request, stored
            if self._clock() >= deadline:
                raise CheckoutRequestInProgress(key)
            await self._sleep(IN_PROGRESS_POLL_SECONDS)

    async def _start(
        self,
        user_id: UUID,
        plan_code: str,
        checkout_id: UUID,
        provider_key: str,
        request: CheckoutRequest | None = None,
    ) -> CheckoutSession:
        async with self._uow() as uow:
            subscription = await uow.subscriptions.for_user(user_id)
            if subscription is None:
                raise NoSubscription(str(user_id))
            plan = await uow.plans.get(plan_code)
            if plan is None:
                raise UnknownPlan(plan_code)
            subscription.check_upgrade(plan)
            customer = await uow.billing_customers.get(user_id)
        known_customer = (
            customer.customer_id if customer and customer.provider == self._provider.name else None
        )
        session = await self._provider.create_checkout(
            checkout_id=checkout_id,
            user_id=user_id,
            plan=plan,
            customer_id=known_customer,
            idempotency_key=provider_key,
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
            if request is not None:
                await uow.checkout_requests.complete(request, session)
            await uow.commit()
        return session
