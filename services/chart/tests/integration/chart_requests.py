"""What the chart service's integration tests send: a natal request, event metadata as the broker gives it, a plan
projection; and what they read back from the outbox."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.tables import MESSAGING
from nocturna_platform.clock import utc_now
from nocturna_platform.messaging.meta import EventMeta
from sqlalchemy import select

from services.chart.tests.conftest import ChartHarness

NATAL: dict[str, Any] = {
    "name": "Ada",
    "notes": "born in Manhattan",
    "birth": {
        "date": "1990-01-15",
        "time": "14:30",
        "latitude": 40.7128,
        "longitude": -74.006,
        "timezone": "America/New_York",
    },
}


async def outbox_types(chart: ChartHarness, user: UUID) -> list[str]:
    factory = chart.service.shell.session_factory
    assert factory is not None
    outbox = MESSAGING.outbox
    async with factory() as session:
        rows = await session.execute(select(outbox.c.event_type, outbox.c.body))
        return [event_type for event_type, payload in rows if str(user) in str(payload)]


def event_meta(event_type: str, producer: str) -> EventMeta:
    return EventMeta(
        consumer="chart",
        event_id=uuid4(),
        event_type=event_type,
        occurred_at=utc_now(),
        producer=producer,
        correlation_id=None,
        causation_id=None,
        delivery_attempt=1,
    )


async def grant_pro(chart: ChartHarness, user: UUID) -> None:
    pro = Entitlements("pro", 500, 1000, synastry=True, transits=True, batch=False)
    meta = event_meta("subscription.subscription.changed.v1", "subscription")
    await chart.service.use_cases.project_entitlements(EntitlementProjection(user, pro, 1, utc_now()), meta)
