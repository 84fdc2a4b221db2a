"""`auth.user.registered.v1` → the free plan."""

from __future__ import annotations

from nocturna_contracts.auth.v1 import UserRegistered
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_subscription.application.start_free_subscription import (
    StartFreeSubscription,
    StartFreeSubscriptionHandler,
)


def subscribe(subscriptions: EventSubscriptions, handler: StartFreeSubscriptionHandler) -> None:
    async def on_user_registered(event: UserRegistered, meta: EventMeta) -> None:
        await handler(StartFreeSubscription(user_id=event.user_id, email_verified=event.email_verified), meta)

    subscriptions.on(UserRegistered, on_user_registered)
