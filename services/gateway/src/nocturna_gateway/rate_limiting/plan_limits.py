"""`subscription.subscription.changed.v1` → the user's rate limit in Redis (the plan projection).

No inbox is needed: the write keeps the highest `version`, so a redelivered or stale event changes nothing.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from nocturna_contracts.subscription.v1 import SubscriptionChanged
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions


class PlanLimits(Protocol):
    async def set_plan_limit(self, user: UUID, limit: int, version: int) -> bool: ...


def subscribe(subscriptions: EventSubscriptions, plan_limits: PlanLimits) -> None:
    async def on_subscription_changed(event: SubscriptionChanged, meta: EventMeta) -> None:
        await plan_limits.set_plan_limit(
            event.user_id, event.entitlements.rate_limit_per_minute, event.version
        )

    subscriptions.on(SubscriptionChanged, on_subscription_changed)
