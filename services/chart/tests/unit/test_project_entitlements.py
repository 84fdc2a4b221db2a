from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from nocturna_chart.application.erase_user_charts import EraseUserChartsHandler
from nocturna_chart.application.project_entitlements import GetEntitlementsHandler, ProjectEntitlementsHandler
from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_platform.messaging.meta import EventMeta

from services.chart.tests.fakes import InMemoryChartStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
USER = UUID("0190a000-0000-7000-8000-000000000001")
FREE = Entitlements("free", charts_per_month=10, saved_charts=20, synastry=False, transits=False, batch=False)
PRO = Entitlements("pro", charts_per_month=500, saved_charts=1000, synastry=True, transits=True, batch=False)


def _meta(event_id: int) -> EventMeta:
    return EventMeta(
        consumer="chart",
        event_id=UUID(int=event_id),
        event_type="subscription.subscription.changed.v1",
        occurred_at=NOW,
        producer="subscription",
        correlation_id=None,
        causation_id=None,
        delivery_attempt=1,
    )


async def test_the_projection_follows_newer_versions_only() -> None:
    store = InMemoryChartStore()
    project = ProjectEntitlementsHandler(store)

    await project(EntitlementProjection(USER, FREE, version=1, updated_at=NOW), _meta(1))
    await project(EntitlementProjection(USER, PRO, version=3, updated_at=NOW), _meta(3))
    await project(EntitlementProjection(USER, FREE, version=2, updated_at=NOW), _meta(2))  # arrives late

    current = await GetEntitlementsHandler(store)(USER)
    assert current is not None
    assert (current.entitlements.plan_code, current.version) == ("pro", 3)


async def test_a_redelivered_event_is_skipped_by_the_inbox() -> None:
    store = InMemoryChartStore()
    project = ProjectEntitlementsHandler(store)
    await project(EntitlementProjection(USER, FREE, version=1, updated_at=NOW), _meta(1))
    store.entitlements.clear()  # were the event applied again, the projection would come back

    await project(EntitlementProjection(USER, FREE, version=1, updated_at=NOW), _meta(1))

    assert store.entitlements == {}


async def test_an_erased_users_projection_stays_erased_whatever_the_order() -> None:
    """The closed account's last subscription change may arrive before or after the erasure."""
    before, after = InMemoryChartStore(), InMemoryChartStore()
    for store in (before, after):
        await ProjectEntitlementsHandler(store)(
            EntitlementProjection(USER, PRO, version=1, updated_at=NOW), _meta(1)
        )
    canceled = EntitlementProjection(USER, FREE, version=2, updated_at=NOW)

    await ProjectEntitlementsHandler(before)(canceled, _meta(2))
    await EraseUserChartsHandler(before, lambda: NOW)(USER, _meta(3))
    await EraseUserChartsHandler(after, lambda: NOW)(USER, _meta(3))
    await ProjectEntitlementsHandler(after)(canceled, _meta(2))

    assert before.entitlements == after.entitlements == {}
    assert before.erased_users == after.erased_users == {USER: NOW}
