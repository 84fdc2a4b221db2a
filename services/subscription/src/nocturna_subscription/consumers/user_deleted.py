"""`auth.user.deleted.v1` → the subscription ends and billing info is erased."""

from __future__ import annotations

from nocturna_contracts.auth.v1 import UserDeleted
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_subscription.application.close_account import CloseAccountHandler


def subscribe(subscriptions: EventSubscriptions, handler: CloseAccountHandler) -> None:
    async def on_user_deleted(event: UserDeleted, meta: EventMeta) -> None:
        await handler(event.user_id, meta)

    subscriptions.on(UserDeleted, on_user_deleted)
