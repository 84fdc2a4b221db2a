"""Account erasure (`auth.user.deleted.v1`): charts, usage and the plan projection go, once, and stay gone
whatever arrives around the erasure: a late plan change, a create in flight, a create with a token that outlived
the account."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.tables import ChartRow
from nocturna_platform.clock import utc_now
from nocturna_platform.messaging.meta import EventMeta
from sqlalchemy import func, select

from services.chart.tests.conftest import ChartHarness
from services.chart.tests.integration.chart_requests import NATAL, event_meta, grant_pro, outbox_types


async def test_user_deletion_erases_the_charts_once(chart: ChartHarness) -> None:
    user = uuid4()
    for _ in range(2):
        await chart.client.post("/api/v1/charts", json=NATAL, headers=chart.headers(user))
    meta = EventMeta(
        consumer="chart",
        event_id=uuid4(),
        event_type="auth.user.deleted.v1",
        occurred_at=utc_now(),
        producer="auth",
        correlation_id=None,
        causation_id=None,
        delivery_attempt=1,
    )

    await chart.service.use_cases.erase_user_charts(user, meta)
    await chart.service.use_cases.erase_user_charts(user, meta)

    factory = chart.service.shell.session_factory
    assert factory is not None
    async with factory() as session:
        left = await session.scalar(
            select(func.count()).select_from(ChartRow).where(ChartRow.owner_id == user)
        )  # type: ignore[arg-type]
    assert left == 0
    assert (await outbox_types(chart, user)).count("chart.chart.deleted.v1") == 2


async def test_an_erased_users_plan_projection_is_not_brought_back(chart: ChartHarness) -> None:
    """Subscription announces the closed account's canceled subscription around the erasure, in either order."""
    user = uuid4()
    await grant_pro(chart, user)
    await chart.service.use_cases.erase_user_charts(user, event_meta("auth.user.deleted.v1", "auth"))
    canceled = Entitlements("free", 10, 20, synastry=False, transits=True, batch=False)
    await chart.service.use_cases.project_entitlements(
        EntitlementProjection(user, canceled, 2, utc_now()),
        event_meta("subscription.subscription.changed.v1", "subscription"),
    )

    projected = await chart.client.get("/api/v1/charts/entitlements", headers=chart.headers(user))
    assert projected.status_code == 404, projected.text


async def test_an_erasure_racing_the_last_plan_change_leaves_no_projection(chart: ChartHarness) -> None:
    """Two replicas may handle the deletion and the canceled subscription at the same moment."""
    users = [uuid4() for _ in range(20)]
    canceled = Entitlements("free", 10, 20, synastry=False, transits=True, batch=False)
    use_cases = chart.service.use_cases
    await asyncio.gather(*(grant_pro(chart, user) for user in users))

    await asyncio.gather(
        *(use_cases.erase_user_charts(user, event_meta("auth.user.deleted.v1", "auth")) for user in users),
        *(
            use_cases.project_entitlements(
                EntitlementProjection(user, canceled, 2, utc_now()),
                event_meta("subscription.subscription.changed.v1", "subscription"),
            )
            for user in users
        ),
    )

    for user in users:
        projected = await chart.client.get("/api/v1/charts/entitlements", headers=chart.headers(user))
        assert projected.status_code == 404, projected.text


async def test_a_create_after_the_erasure_is_refused_and_saves_nothing(chart: ChartHarness) -> None:
    """An access token outlives the account by up to its lifetime: the erased user stays erased."""
    with_plan, without_plan = uuid4(), uuid4()
    await grant_pro(chart, with_plan)
    for user in (with_plan, without_plan):
        await chart.service.use_cases.erase_user_charts(user, event_meta("auth.user.deleted.v1", "auth"))

        refused = await chart.client.post("/api/v1/charts", json=NATAL, headers=chart.headers(user))

        assert refused.status_code == 410, refused.text
        assert refused.json()["code"] == "account_deleted"
        assert await _charts_of(chart, user) == 0


async def test_creates_racing_the_erasure_leave_no_chart_behind(chart: ChartHarness) -> None:
    """A create in flight when the deletion arrives is either erased with the rest or refused."""
    users = [uuid4() for _ in range(20)]
    await asyncio.gather(*(grant_pro(chart, user) for user in users))

    async def create(user: UUID) -> int:
        answer = await chart.client.post("/api/v1/charts", json=NATAL, headers=chart.headers(user))
        return answer.status_code

    async def erase(user: UUID) -> None:
        await chart.service.use_cases.erase_user_charts(user, event_meta("auth.user.deleted.v1", "auth"))

    outcomes = await asyncio.gather(
        *(create(user) for user in users for _ in range(3)), *(erase(user) for user in users)
    )

    assert set(outcomes[: len(users) * 3]) <= {201, 410}, outcomes
    assert [await _charts_of(chart, user) for user in users] == [0] * len(users)


async def _charts_of(chart: ChartHarness, user: UUID) -> int:
    factory = chart.service.shell.session_factory
    assert factory is not None
    async with factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(ChartRow).where(ChartRow.owner_id == user)  # type: ignore[arg-type]
        )
    return int(count or 0)
