"""`subscription.subscription.changed.v1` → the entitlement projection."""

from __future__ import annotations

from nocturna_contracts.subscription.v1 import SubscriptionChanged
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.messaging.subscriptions import EventSubscriptions

from nocturna_chart.application.project_entitlements import ProjectEntitlementsHandler
from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements


def subscribe(subscriptions: EventSubscriptions, handler: ProjectEntitlementsHandler) -> None:
    async def on_subscription_changed(event: SubscriptionChanged, meta: EventMeta) -> None:
        e = event.entitlements
        projection = EntitlementProjection(
            user_id=event.user_id,
            entitlements=Entitlements(
                plan_code=event.plan_code,
                charts_per_month=e.charts_per_month,
                saved_charts=e.saved_charts,
                synastry=e.synastry,
                transits=e.transits,
                batch=e.batch,
            ),
            version=event.version,
            updated_at=event.changed_at,
        )
        await handler(projection, meta)

    subscriptions.on(SubscriptionChanged, on_subscription_changed)
