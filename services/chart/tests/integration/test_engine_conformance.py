"""Conformance: the same charts through the local engine and the remote one (the fake computes every answer
with pyswisseph in upstream's format) give the same positions (< 1″), the same cusps and the same derivations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from uuid import UUID

import httpx
import pytest
from nocturna_chart.domain.aspects import AspectPolicy
from nocturna_chart.domain.birth import BirthData, resolve_instant
from nocturna_chart.domain.charts import Chart, ChartOptions, cast
from nocturna_chart.domain.engine import Body, HouseSystem
from nocturna_chart.domain.natal import ChartRequest, calculate_chart
from nocturna_chart.infrastructure.nocturna_calculations import NocturnaCalculationsEngine
from nocturna_chart.infrastructure.swiss_ephemeris import SwissEphemerisEngine
from nocturna_platform.resilience.breaker import CircuitBreaker

from services.chart.tests.fake_calculations import TOKEN, FakeCalculations, serving_fake

ARCSECOND = 1.0 / 3600.0
CUSP_TOLERANCE = ARCSECOND / 1000  # equal up to float rounding of the Julian day (upstream builds its own)
LOCAL = SwissEphemerisEngine()
CHARTS = [
    # date, time, latitude, longitude, zone, system
    ("1990-01-15", "14:30", 40.7128, -74.006, "America/New_York", HouseSystem.PLACIDUS),
    ("1803-07-04", "06:05:07", 51.5074, -0.1278, "Europe/London", HouseSystem.KOCH),
    ("1955-02-24", "19:15", 37.7749, -122.4194, "America/Los_Angeles", HouseSystem.EQUAL),
    ("2001-09-09", "00:00:59", -33.8688, 151.2093, "Australia/Sydney", HouseSystem.WHOLE_SIGN),
    ("1969-07-20", "20:17:40", 28.5721, -80.648, "America/New_York", HouseSystem.CAMPANUS),
    ("2024-03-31", "03:30", -22.9068, -43.1729, "America/Sao_Paulo", HouseSystem.REGIOMONTANUS),
    ("1987-12-01", "12:00", 35.6762, 139.6503, "Asia/Tokyo", HouseSystem.PORPHYRY),
    ("2150-06-21", "23:59:59", 64.1466, -21.9426, "Atlantic/Reykjavik", HouseSystem.PLACIDUS),
    ("1975-12-21", "10:00", 69.6492, 18.9553, "Europe/Oslo", HouseSystem.PLACIDUS),  # polar: falls back
    ("1930-05-05", None, 48.8566, 2.3522, "Europe/Paris", HouseSystem.KOCH),  # time unknown: no houses
]


@pytest.fixture(scope="module")
async def remote() -> AsyncIterator[NocturnaCalculationsEngine]:
    fake = FakeCalculations()
    async with serving_fake(fake) as base_url:
        http = httpx.AsyncClient(base_url=base_url, headers={"authorization": f"Bearer {TOKEN}"})
        yield NocturnaCalculationsEngine(http, CircuitBreaker())
        await http.aclose()


def _gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _chart(day: str, at: str | None, lat: float, lon: float, zone: str, system: HouseSystem) -> Chart:
    birth = BirthData(date.fromisoformat(day), time.fromisoformat(at) if at else None, lat, lon, zone, fold=0)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Chart(UUID(int=1), UUID(int=2), "c", None, birth, system, ChartOptions(), now, now)


@pytest.mark.parametrize("case", CHARTS, ids=[f"{case[0]}-{case[5].value}" for case in CHARTS])
async def test_local_and_remote_engines_cast_the_same_chart(
    case: tuple[str, str | None, float, float, str, HouseSystem], remote: NocturnaCalculationsEngine
) -> None:
    chart = _chart(*case)

    local_cast = await cast(LOCAL, chart)
    remote_cast = await cast(remote, chart)

    ours, theirs = local_cast.result, remote_cast.result
    assert set(theirs.bodies) == {body.value for body in remote.bodies} | {"south_node"}
    for name, position in theirs.bodies.items():
        expected = ours.bodies[name]
        assert _gap(position.longitude, expected.longitude) < ARCSECOND, name
        assert abs(position.latitude - expected.latitude) < ARCSECOND, name
        assert abs(position.speed - expected.speed) < ARCSECOND, name
        assert (position.sign, position.degree, position.house) == (
            expected.sign,
            expected.degree,
            expected.house,
        )
    assert remote_cast.warnings == local_cast.warnings
    if ours.houses is None:
        assert theirs.houses is None
    else:
        assert theirs.houses is not None
        assert theirs.houses.system is ours.houses.system
        assert (
            max(_gap(a, b) for a, b in zip(theirs.houses.cusps, ours.houses.cusps, strict=True))
            < CUSP_TOLERANCE
        )
        for angle in ("asc", "mc", "desc", "ic", "vertex"):
            assert _gap(getattr(theirs.houses.angles, angle), getattr(ours.houses.angles, angle)) < ARCSECOND
    local_aspects = {(a.a, a.b, a.type, a.applying) for a in ours.aspects if Body.TRUE_NODE not in (a.a, a.b)}
    assert {(a.a, a.b, a.type, a.applying) for a in theirs.aspects} == local_aspects


async def test_positions_between_whole_seconds_agree_too(remote: NocturnaCalculationsEngine) -> None:
    jd = 2461056.0530987326  # a solar return instant, 0.13 s past a whole second

    local = await LOCAL.positions(jd, remote.bodies)
    theirs = await remote.positions(jd, remote.bodies)

    for body in remote.bodies:
        assert _gap(theirs[body].longitude, local[body].longitude) < ARCSECOND / 100, body


async def test_a_policy_with_minor_aspects_off_is_applied_to_remote_positions(
    remote: NocturnaCalculationsEngine,
) -> None:
    chart = _chart(*CHARTS[0])
    majors = AspectPolicy.of(minors=False)
    request = ChartRequest(resolve_instant(chart.birth).julian_day, 40.7128, -74.006, HouseSystem.PLACIDUS)
    result = await calculate_chart(remote, request, majors)

    assert {a.type.value for a in result.aspects} <= {
        "conjunction",
        "opposition",
        "trine",
        "square",
        "sextile",
    }
