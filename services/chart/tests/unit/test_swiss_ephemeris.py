"""The local engine against raw pyswisseph and the recorded Nocturna Calculations responses (< 1″)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import swisseph as swe
from hypothesis import given, settings
from hypothesis import strategies as st
from nocturna_chart.domain.aspects import AspectPolicy
from nocturna_chart.domain.birth import BirthData, instant_of, julian_day, resolve_instant
from nocturna_chart.domain.engine import Body, HouseSystem
from nocturna_chart.domain.natal import ChartRequest, ChartResult, calculate_chart
from nocturna_chart.domain.returns import find_return
from nocturna_chart.domain.synastry import calculate_synastry
from nocturna_chart.domain.transits import calculate_transits
from nocturna_chart.domain.zodiac import house_of
from nocturna_chart.infrastructure.swiss_ephemeris import BODY_IDS, SwissEphemerisEngine

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
ARCSECOND = 1.0 / 3600.0
UPSTREAM_KEYS = {
    "SUN": "sun",
    "MOON": "moon",
    "MERCURY": "mercury",
    "VENUS": "venus",
    "MARS": "mars",
    "JUPITER": "jupiter",
    "SATURN": "saturn",
    "URANUS": "uranus",
    "NEPTUNE": "neptune",
    "PLUTO": "pluto",
    "NORTH_NODE": "north_node",
    "LILITH": "lilith",
    "SOUTH_NODE": "south_node",
}
ENGINE = SwissEphemerisEngine()


def _recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REFERENCE / name).read_text())["data"]
    return data


def _angular_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _jd(day: str, at: str, zone: str) -> float:
    birth = BirthData(date.fromisoformat(day), time.fromisoformat(at), 0.0, 0.0, zone)
    return resolve_instant(birth).julian_day


async def test_natal_chart_matches_the_recorded_upstream_response() -> None:
    request = json.loads((REFERENCE / "natal.request.json").read_text())
    recorded = _recorded("natal.json")
    jd = _jd(request["date"], request["time"], request["timezone"])

    chart = await calculate_chart(
        ENGINE,
        ChartRequest(jd, request["latitude"], request["longitude"], HouseSystem.PLACIDUS),
        AspectPolicy.of(),
    )

    for key, expected in recorded["planets"].items():
        ours = chart.bodies[UPSTREAM_KEYS[key]]
        assert _angular_gap(ours.longitude, expected["longitude"]) < ARCSECOND, key
        assert abs(ours.latitude - expected["latitude"]) < ARCSECOND, key
        assert abs(ours.speed - expected["speed"]) < ARCSECOND, key
        assert ours.retrograde is expected["is_retrograde"], key
    assert chart.houses is not None
    for ours_cusp, expected_cusp in zip(chart.houses.cusps, recorded["houses"]["cusps"], strict=True):
        assert _angular_gap(ours_cusp, expected_cusp) < ARCSECOND
    angles = recorded["houses"]["angles"]
    assert _angular_gap(chart.houses.angles.asc, angles["ASC"]) < ARCSECOND
    assert _angular_gap(chart.houses.angles.mc, angles["MC"]) < ARCSECOND
    assert _angular_gap(chart.houses.angles.desc, angles["DESC"]) < ARCSECOND
    assert _angular_gap(chart.houses.angles.ic, angles["IC"]) < ARCSECOND


async def test_transit_positions_match_the_recorded_upstream_response() -> None:
    request = json.loads((REFERENCE / "transits.request.json").read_text())
    recorded = _recorded("transits.json")["transit_positions"]
    jd = _jd(request["transit_date"], request["transit_time"], request["natal_chart"]["timezone"])

    positions = await ENGINE.positions(jd, ENGINE.bodies)

    for key, expected in recorded.items():
        assert (
            _angular_gap(positions[Body(UPSTREAM_KEYS[key])].longitude, expected["longitude"]) < ARCSECOND
        ), key


async def test_return_chart_positions_cusps_and_vertex_match_the_recorded_upstream_response() -> None:
    for name in ("returns_solar.json", "returns_lunar.json"):
        recorded = _recorded(name)
        chart = await calculate_chart(
            ENGINE,
            ChartRequest(recorded["julian_day"], 40.7128, -74.0060, HouseSystem.PLACIDUS),
            AspectPolicy.of(),
        )
        for key, expected in recorded["planets"].items():
            ours = chart.bodies[UPSTREAM_KEYS[key]]
            assert _angular_gap(ours.longitude, expected["longitude"]) < ARCSECOND, (name, key)
            assert abs(ours.speed - expected["speed_long"]) < ARCSECOND, (name, key)
        assert chart.houses is not None
        for ours_cusp, expected_cusp in zip(chart.houses.cusps, recorded["houses"]["cusps"], strict=True):
            assert _angular_gap(ours_cusp, expected_cusp) < ARCSECOND
        assert _angular_gap(chart.houses.angles.vertex, recorded["angles"][3]) < ARCSECOND


async def test_polar_placidus_falls_back_to_porphyry_with_a_warning() -> None:
    chart = await calculate_chart(
        ENGINE, ChartRequest(2447907.3125, 78.22, 15.65, HouseSystem.PLACIDUS), AspectPolicy.of()
    )

    assert chart.houses is not None
    assert chart.houses.system is HouseSystem.PORPHYRY
    assert "placidus" in chart.warnings[0]


async def test_every_house_system_is_computed() -> None:
    for system in HouseSystem:
        chart = await calculate_chart(
            ENGINE, ChartRequest(2447907.3125, 51.5, -0.12, system), AspectPolicy.of()
        )
        assert chart.houses is not None
        assert chart.houses.system is system
        assert len(chart.houses.cusps) == 12


def test_chiron_needs_ephemeris_files() -> None:
    assert Body.CHIRON not in ENGINE.bodies
    assert Body.TRUE_NODE in ENGINE.bodies


@settings(max_examples=150, deadline=None)
@given(
    jd=st.floats(min_value=2378496.5, max_value=2524593.5),  # 1800-01-01 … 2200-01-01
    latitude=st.floats(min_value=-89.9, max_value=89.9),
    longitude=st.floats(min_value=-180.0, max_value=180.0),
    system=st.sampled_from(list(HouseSystem)),
)
async def test_engine_equals_raw_pyswisseph_and_the_chart_is_consistent(
    jd: float, latitude: float, longitude: float, system: HouseSystem
) -> None:
    chart = await calculate_chart(ENGINE, ChartRequest(jd, latitude, longitude, system), AspectPolicy.of())

    for body in ENGINE.bodies:
        raw, _ = swe.calc_ut(jd, BODY_IDS[body], swe.FLG_MOSEPH | swe.FLG_SPEED)
        ours = chart.bodies[body.value]
        assert _angular_gap(ours.longitude, raw[0]) < ARCSECOND
        assert abs(ours.speed - raw[3]) < ARCSECOND
    north, south = chart.bodies["north_node"], chart.bodies["south_node"]
    assert abs(_angular_gap(north.longitude, south.longitude) - 180.0) < 1e-9
    assert chart.houses is not None
    cusps = chart.houses.cusps
    arcs = [(cusps[(i + 1) % 12] - cusps[i]) % 360.0 for i in range(12)]
    assert all(arc > 0.0 for arc in arcs)  # each cusp follows the previous one going forward
    assert abs(sum(arcs) - 360.0) < 1e-6  # and together they go round the circle exactly once
    for position in chart.bodies.values():
        assert position.house == house_of(position.longitude, cusps)
        house = position.house
        assert house is not None
        start = cusps[house - 1]
        assert (position.longitude - start) % 360.0 < arcs[house - 1]


async def test_topocentric_cusps_out_of_order_near_the_polar_circle_fall_back_too() -> None:
    # At 66° N in 1800 (obliquity 23.47°), Topocentric cusps wrap twice round the circle.
    chart = await calculate_chart(
        ENGINE, ChartRequest(2378496.5, 66.0, 174.0, HouseSystem.TOPOCENTRIC), AspectPolicy.of()
    )

    assert chart.houses is not None
    assert chart.houses.system is HouseSystem.PORPHYRY
    assert chart.warnings


async def test_transits_put_each_transiting_body_in_the_recorded_natal_house() -> None:
    request = json.loads((REFERENCE / "transits.request.json").read_text())
    natal_request = request["natal_chart"]
    recorded = _recorded("transits.json")
    natal = await calculate_chart(
        ENGINE,
        ChartRequest(
            _jd(natal_request["date"], natal_request["time"], natal_request["timezone"]),
            natal_request["latitude"],
            natal_request["longitude"],
            HouseSystem.PLACIDUS,
        ),
        AspectPolicy.of(),
    )
    jd = _jd(request["transit_date"], request["transit_time"], natal_request["timezone"])

    transits = await calculate_transits(ENGINE, jd, natal, AspectPolicy.of())

    for house, keys in recorded["house_aspects"].items():
        for key in keys:
            assert transits.bodies[UPSTREAM_KEYS[key]].house == int(house), key
    sun_to_sun = next(a for a in transits.aspects if (a.a, a.b) == (Body.SUN, Body.SUN))
    assert sun_to_sun.type.value == "conjunction"
    assert abs(sun_to_sun.orb - 3.917423954844594) < ARCSECOND
    # On 11 January the transiting Sun is 3.9° short of the natal Sun (15 January) and closing in;
    # upstream answers applying=false for every aspect.
    assert sun_to_sun.applying is True


async def _natal(data: dict[str, Any]) -> ChartResult:
    jd = _jd(data["date"], data["time"], data["timezone"])
    return await calculate_chart(
        ENGINE, ChartRequest(jd, data["latitude"], data["longitude"], HouseSystem.PLACIDUS), AspectPolicy.of()
    )


async def test_synastry_overlays_match_the_recorded_upstream_response() -> None:
    request = json.loads((REFERENCE / "synastry.request.json").read_text())
    recorded = _recorded("synastry.json")

    synastry = calculate_synastry(
        await _natal(request["chart1"]), await _natal(request["chart2"]), AspectPolicy.of()
    )

    assert synastry.b_in_a is not None
    for house, keys in recorded["house_aspects"].items():
        for key in keys:
            assert synastry.b_in_a[UPSTREAM_KEYS[key]] == int(house), key
    sun_mercury = next(a for a in synastry.aspects if (a.a, a.b) == (Body.SUN, Body.MERCURY))
    assert sun_mercury.type.value == "opposition"
    assert abs(sun_mercury.orb - 5.223041816527825) < ARCSECOND


async def test_solar_and_lunar_returns_match_the_recorded_upstream_instants() -> None:
    natal = json.loads((REFERENCE / "natal.request.json").read_text())
    natal_chart = await _natal(natal)
    for name, body, start in (
        ("returns_solar.json", Body.SUN, datetime(2026, 1, 1, tzinfo=UTC)),
        ("returns_lunar.json", Body.MOON, datetime(2026, 3, 1, tzinfo=UTC)),
    ):
        recorded = _recorded(name)

        jd = await find_return(ENGINE, body, natal_chart.bodies[body.value].longitude, julian_day(start))

        # Upstream stops searching at ~0.1″; we go to 1e-8°: the instants agree within seconds.
        assert abs(jd - recorded["julian_day"]) * 86400.0 < 3.0, name
        assert instant_of(jd) >= start
        returned = (await ENGINE.positions(jd, (body,)))[body].longitude
        assert _angular_gap(returned, natal_chart.bodies[body.value].longitude) < 1e-6


async def test_a_return_just_before_the_start_is_skipped_for_the_next_one() -> None:
    natal_sun = (await ENGINE.positions(2461056.0530987326, (Body.SUN,)))[Body.SUN].longitude
    start = 2461056.0530987326 + 0.01  # a quarter of an hour after the 2026 solar return

    jd = await find_return(ENGINE, Body.SUN, natal_sun, start)

    assert 364.0 < jd - 2461056.0530987326 < 367.0


async def test_every_house_system_at_either_pole_gives_usable_houses() -> None:
    for latitude in (90.0, -90.0):
        for system in HouseSystem:
            chart = await calculate_chart(
                ENGINE, ChartRequest(2447907.3, latitude, 0.0, system), AspectPolicy.of()
            )
            assert chart.houses is not None
            cusps = chart.houses.cusps
            assert abs(sum((cusps[(i + 1) % 12] - cusps[i]) % 360.0 for i in range(12)) - 360.0) < 1e-6
