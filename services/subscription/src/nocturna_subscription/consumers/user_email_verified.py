"""`auth.user.email_verified.v1` → paid checkout is open to the user."""

from __future__ import annotations

from nocturna_contracts.auth.v1 import UserEmailVerified
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_subscription.application.record_email_verification import RecordEmailVerificationHandler


def subscribe(subscriptions: EventSubscriptions, handler: RecordEmailVerificationHandler) -> None:
    async def on_user_email_verified(event: UserEmailVerified, meta: EventMeta) -> None:
        await handler(event.user_id, meta)

    subscriptions.on(UserEmailVerified, on_user_email_verified)
