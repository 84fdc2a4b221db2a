from __future__ import annotations

from datetime import UTC, date, datetime, time
from uuid import UUID

import pytest
from nocturna_chart.application.calculator import ChartCalculator
from nocturna_chart.application.create_chart import ChartPolicy, CreateChart, CreateChartHandler, UnknownPlace
from nocturna_chart.application.edit_chart import DeleteChartHandler, EditChart, EditChartHandler
from nocturna_chart.application.erase_user_charts import EraseUserChartsHandler
from nocturna_chart.application.ports import PlacesUnavailable
from nocturna_chart.application.read_charts import GetChartHandler, ListChartsHandler
from nocturna_chart.application.saved_charts import ChartNotFound
from nocturna_chart.application.synastry import InlineBirth, SynastryHandler
from nocturna_chart.application.transits import FeatureNotInPlan, TransitsHandler
from nocturna_chart.domain.birth import (
    TIME_UNKNOWN_WARNING,
    AmbiguousLocalTime,
    BirthData,
    Place,
    PlacedBirth,
)
from nocturna_chart.domain.charts import ChartOptions, QuotaExceeded
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.domain.entitlements import EntitlementProjection, Entitlements
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine
from nocturna_contracts.chart.v1 import ChartCalculated, ChartDeleted
from nocturna_platform.messaging.meta import EventMeta
from nocturna_platform.security.principal import Principal

from services.chart.tests.fakes import FixedClock, InMemoryChartStore, InMemoryPlaceDirectory

ADA = UUID("0190a000-0000-7000-8000-000000000001")
BOB = UUID("0190a000-0000-7000-8000-000000000002")
CALCULATOR = ChartCalculator(SwissEphemerisEngine(), HouseSystem.PORPHYRY)
POLICY = ChartPolicy(unknown_plan_charts_per_month=3)
PARIS = Place(2988507, "Paris, Île-de-France, France", 48.85341, 2.3488, "Europe/Paris")
PLACES = InMemoryPlaceDirectory(PARIS)
BIRTH = BirthData(date(1990, 1, 15), time(14, 30), 40.7128, -74.006, "America/New_York")


def _principal(user: UUID) -> Principal:
    return Principal(
        subject=user,
        session_id=None,
        roles=frozenset({"user"}),
        scopes=frozenset(),
        token_id="t",
        expires_at=datetime(2026, 11, 25, 13, 0, tzinfo=UTC),
    )


def _command(
    owner: UUID = ADA, birth: BirthData | PlacedBirth = BIRTH, key: str | None = None
) -> CreateChart:
    return CreateChart(owner, "Ada", "notes", birth, HouseSystem.PLACIDUS, ChartOptions(), key)


def _plan(store: InMemoryChartStore, user: UUID, per_month: int | None, saved: int | None) -> None:
    entitlements = Entitlements("x", per_month, saved, synastry=False, transits=False, batch=False)
    store.entitlements[user] = EntitlementProjection(user, entitlements, 1, datetime(2026, 1, 1, tzinfo=UTC))


async def test_create_saves_the_chart_and_announces_one_calculation() -> None:
    store, clock = InMemoryChartStore(), FixedClock()

    saved, created = await CreateChartHandler(store, CALCULATOR, clock, POLICY, PLACES)(_command())

    assert created is True
    assert store.charts[saved.chart.id].name == "Ada"
    assert saved.cast.result.bodies["sun"].sign == "capricorn"
    [event] = store.messaging.published
    assert isinstance(event, ChartCalculated)
    assert (event.chart_id, event.user_id, event.house_system) == (saved.chart.id, ADA, "placidus")
    assert store.usage[(ADA, "2026-11")] == 1


async def test_unknown_birth_time_gives_a_flagged_chart_without_houses() -> None:
    store = InMemoryChartStore()
    birth = BirthData(date(1990, 1, 15), None, 40.7128, -74.006, "America/New_York")

    saved, _ = await CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, PLACES)(
        _command(birth=birth)
    )

    assert saved.cast.result.houses is None
    assert saved.cast.result.bodies["sun"].house is None
    assert saved.cast.warnings == [TIME_UNKNOWN_WARNING]


async def test_an_ambiguous_time_is_refused_before_any_quota_is_used() -> None:
    store = InMemoryChartStore()
    birth = BirthData(date(2021, 11, 7), time(1, 30), 40.7128, -74.006, "America/New_York")

    with pytest.raises(AmbiguousLocalTime):
        await CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, PLACES)(_command(birth=birth))

    assert store.usage == {}
    assert store.charts == {}


async def test_the_monthly_limit_counts_deleted_charts_too_and_resets_next_month() -> None:
    store, clock = InMemoryChartStore(), FixedClock()
    _plan(store, ADA, per_month=2, saved=None)
    create = CreateChartHandler(store, CALCULATOR, clock, POLICY, PLACES)
    first, _ = await create(_command())
    await create(_command())
    await DeleteChartHandler(store, clock)(_principal(ADA), first.chart.id)

    with pytest.raises(QuotaExceeded) as refused:
        await create(_command())

    assert (refused.value.limit_name, refused.value.limit) == ("charts_per_month", 2)
    clock.now = datetime(2026, 12, 1, tzinfo=UTC)
    await create(_command())


async def test_the_saved_charts_limit_and_the_unknown_plan_fallback() -> None:
    store = InMemoryChartStore()
    _plan(store, ADA, per_month=None, saved=1)
    create = CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, PLACES)
    await create(_command())
    with pytest.raises(QuotaExceeded) as refused:
        await create(_command())
    assert refused.value.limit_name == "saved_charts"

    for _ in range(3):  # Bob's plan has not arrived: the configured fallback applies
        await create(_command(BOB))
    with pytest.raises(QuotaExceeded):
        await create(_command(BOB))


async def test_a_repeated_idempotency_key_answers_the_first_chart() -> None:
    store = InMemoryChartStore()
    create = CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, PLACES)

    first, created = await create(_command(key="k1"))
    again, created_again = await create(_command(key="k1"))

    assert (created, created_again) == (True, False)
    assert again.chart.id == first.chart.id
    assert len(store.charts) == 1
    assert len(store.messaging.published) == 1


async def test_another_users_chart_is_not_found_for_every_use_case() -> None:
    store, clock = InMemoryChartStore(), FixedClock()
    saved, _ = await CreateChartHandler(store, CALCULATOR, clock, POLICY, PLACES)(_command())
    bob = _principal(BOB)

    with pytest.raises(ChartNotFound):
        await GetChartHandler(store, CALCULATOR)(bob, saved.chart.id)
    with pytest.raises(ChartNotFound):
        await EditChartHandler(store, CALCULATOR, clock)(bob, EditChart(saved.chart.id, "x"))
    with pytest.raises(ChartNotFound):
        await DeleteChartHandler(store, clock)(bob, saved.chart.id)
    assert (await ListChartsHandler(store, CALCULATOR)(BOB, 10, None)).items == []
    assert saved.chart.id in store.charts


async def test_edit_renames_clears_notes_and_recasts_with_another_house_system() -> None:
    store, clock = InMemoryChartStore(), FixedClock()
    saved, _ = await CreateChartHandler(store, CALCULATOR, clock, POLICY, PLACES)(_command())
    edit = EditChartHandler(store, CALCULATOR, clock)

    edited = await edit(
        _principal(ADA),
        EditChart(saved.chart.id, "Ada L.", clear_notes=True, house_system=HouseSystem.WHOLE_SIGN),
    )

    assert (edited.chart.name, edited.chart.notes) == ("Ada L.", None)
    assert edited.cast.result.houses is not None
    assert edited.cast.result.houses.system is HouseSystem.WHOLE_SIGN
    assert all(cusp % 30.0 == 0.0 for cusp in edited.cast.result.houses.cusps)
    assert store.charts[saved.chart.id].house_system is HouseSystem.WHOLE_SIGN


async def test_list_pages_newest_first() -> None:
    store = InMemoryChartStore()
    create = CreateChartHandler(store, CALCULATOR, FixedClock(), ChartPolicy(100), PLACES)
    ids = [(await create(_command()))[0].chart.id for _ in range(5)]
    listing = ListChartsHandler(store, CALCULATOR)

    first = await listing(ADA, 2, None)
    second = await listing(ADA, 2, first.next_after)
    last = await listing(ADA, 2, second.next_after)

    seen = [s.chart.id for page in (first, second, last) for s in page.items]
    assert seen == list(reversed(ids))
    assert last.next_after is None


def _deleted_meta(event_id: int) -> EventMeta:
    return EventMeta(
        consumer="chart",
        event_id=UUID(int=event_id),
        event_type="auth.user.deleted.v1",
        occurred_at=datetime(2026, 11, 25, tzinfo=UTC),
        producer="auth",
        correlation_id=None,
        causation_id=None,
        delivery_attempt=1,
    )


async def test_user_deletion_erases_every_chart_once() -> None:
    store, clock = InMemoryChartStore(), FixedClock()
    create = CreateChartHandler(store, CALCULATOR, clock, POLICY, PLACES)
    await create(_command())
    await create(_command())
    kept, _ = await create(_command(BOB))
    erase = EraseUserChartsHandler(store, clock)

    await erase(ADA, _deleted_meta(1))
    await erase(ADA, _deleted_meta(1))

    assert list(store.charts) == [kept.chart.id]
    deletions = [e for e in store.messaging.published if isinstance(e, ChartDeleted)]
    assert len(deletions) == 2
    assert {e.reason for e in deletions} == {"account_deleted"}
    assert (ADA, "2026-11") not in store.usage


async def test_a_place_id_fills_in_coordinates_zone_and_place_name() -> None:
    store = InMemoryChartStore()
    placed = PlacedBirth(date(1990, 1, 15), time(14, 30), PARIS.id)

    saved, _ = await CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, PLACES)(
        _command(birth=placed)
    )

    birth = store.charts[saved.chart.id].birth
    assert (birth.latitude, birth.longitude, birth.timezone) == (48.85341, 2.3488, "Europe/Paris")
    assert (birth.place_id, birth.place_name) == (PARIS.id, PARIS.label)
    assert saved.cast.instant.utc == datetime(1990, 1, 15, 13, 30, tzinfo=UTC)


async def test_an_unknown_or_unreachable_place_saves_nothing() -> None:
    store = InMemoryChartStore()
    placed = PlacedBirth(date(1990, 1, 15), time(14, 30), 999)

    with pytest.raises(UnknownPlace):
        await CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, PLACES)(_command(birth=placed))
    down = InMemoryPlaceDirectory(PARIS, available=False)
    with pytest.raises(PlacesUnavailable):
        await CreateChartHandler(store, CALCULATOR, FixedClock(), POLICY, down)(_command(birth=placed))
    assert store.charts == {}


async def test_transits_need_the_plan_feature_and_announce_a_calculation() -> None:
    store, clock = InMemoryChartStore(), FixedClock()
    saved, _ = await CreateChartHandler(store, CALCULATOR, clock, POLICY, PLACES)(_command())
    transits = TransitsHandler(store, CALCULATOR, clock)
    at = datetime(2026, 1, 11, 17, 0, tzinfo=UTC)

    with pytest.raises(FeatureNotInPlan):
        await transits(_principal(ADA), saved.chart.id, at)
    _pro_plan(store, ADA)
    with pytest.raises(ChartNotFound):
        await transits(_principal(BOB), saved.chart.id, at)
    result = await transits(_principal(ADA), saved.chart.id, at)

    assert result.result.bodies["sun"].house == 8
    assert isinstance(store.messaging.published[-1], ChartCalculated)
    assert store.messaging.published[-1].kind == "transits"
    assert store.messaging.published[-1].chart_id is None


def _pro_plan(store: InMemoryChartStore, user: UUID) -> None:
    entitlements = Entitlements("pro", None, None, synastry=True, transits=True, batch=False)
    store.entitlements[user] = EntitlementProjection(user, entitlements, 2, datetime(2026, 1, 1, tzinfo=UTC))


async def test_synastry_between_a_saved_chart_and_inline_birth_data() -> None:
    store, clock = InMemoryChartStore(), FixedClock()
    saved, _ = await CreateChartHandler(store, CALCULATOR, clock, POLICY, PLACES)(_command())
    synastry = SynastryHandler(store, CALCULATOR, clock, PLACES)
    other = InlineBirth(PlacedBirth(date(1992, 6, 20), time(9, 15), PARIS.id))

    with pytest.raises(FeatureNotInPlan):
        await synastry(_principal(ADA), saved.chart.id, other, ChartOptions())
    _pro_plan(store, ADA)
    _pro_plan(store, BOB)
    with pytest.raises(ChartNotFound):
        await synastry(_principal(BOB), saved.chart.id, other, ChartOptions())
    result = await synastry(_principal(ADA), saved.chart.id, other, ChartOptions())

    assert result.a.chart_id == saved.chart.id
    assert result.b.chart_id is None
    assert result.result.a_in_b is not None
    assert set(result.result.a_in_b) == set(saved.cast.result.bodies)
    assert result.result.aspects
    assert store.messaging.published[-1].kind == "synastry"  # type: ignore[attr-defined]
    assert len(store.charts) == 1
