"""Normalisation of Nocturna Calculations answers into our raw model, checked against raw pyswisseph."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
import swisseph as swe
from nocturna_chart.domain.engine import Body, HouseSystem
from nocturna_chart.infrastructure.nocturna_answers import (
    MalformedAnswer,
    chart_data,
    houses_of,
    houses_undefined,
    natal_chart_body,
    porphyry_cusps,
    positions_of,
    true_obliquity,
    upstream_instant,
    vertex_of,
)

REFERENCE = Path(__file__).parents[1] / "reference"
ARCSECOND = 1.0 / 3600.0
NATAL_JD = 2447907.3125  # 1990-01-15 19:30 UT, the recorded natal request


def _gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _recorded() -> dict[str, object]:
    return dict(chart_data(json.loads((REFERENCE / "natal.json").read_text())))


def test_the_request_asks_for_our_resolved_utc_instant_to_the_second() -> None:
    at, rest = upstream_instant(NATAL_JD + 0.4 / 86400.0)

    assert at == datetime(1990, 1, 15, 19, 30, tzinfo=UTC)
    assert abs(rest * 86400.0 - 0.4) < 1e-4
    assert natal_chart_body(at, 40.7128, -74.006, HouseSystem.KOCH) == {
        "date": "1990-01-15",
        "time": "19:30:00",
        "latitude": 40.7128,
        "longitude": -74.006,
        "timezone": "UTC",
        "house_system": "KOCH",
    }


def test_recorded_positions_are_read_and_carried_on_by_their_speed() -> None:
    data = _recorded()
    half_day = 0.5

    now = positions_of(data, (Body.SUN, Body.MOON, Body.LILITH), 0.0)
    later = positions_of(data, (Body.MOON,), half_day)

    assert abs(now[Body.SUN].longitude - 295.39644791188624) < 1e-12
    assert now[Body.MOON].speed == pytest.approx(12.39939641756204)
    assert _gap(later[Body.MOON].longitude, now[Body.MOON].longitude + 12.39939641756204 / 2) < 1e-9


def test_recorded_houses_keep_the_cusps_and_add_the_swiss_ephemeris_vertex() -> None:
    houses = houses_of(_recorded(), NATAL_JD, 40.7128, HouseSystem.PLACIDUS)
    _, ascmc = swe.houses_ex(NATAL_JD, 40.7128, -74.006, b"P")

    assert houses.cusps[0] == 85.69833826728782
    assert houses.mc == 331.4584834172282
    assert _gap(houses.vertex, ascmc[3]) < ARCSECOND


def test_obliquity_vertex_and_porphyry_agree_with_pyswisseph_away_from_the_tropics() -> None:
    rng = random.Random(11)
    for _ in range(500):
        jd = rng.uniform(2378496.5, 2524593.5)
        latitude = rng.choice([rng.uniform(-65.0, -25.0), rng.uniform(-21.0, 21.0), rng.uniform(25.0, 65.0)])
        longitude = rng.uniform(-180.0, 180.0)
        assert abs(true_obliquity(jd) - swe.calc_ut(jd, swe.ECL_NUT)[0][0]) < 0.2 * ARCSECOND
        cusps, ascmc = swe.houses_ex(jd, latitude, longitude, b"O")
        assert _gap(vertex_of(ascmc[1], true_obliquity(jd), latitude), ascmc[3]) < ARCSECOND
        assert max(_gap(a, b) for a, b in zip(porphyry_cusps(ascmc[0], ascmc[1]), cusps, strict=True)) < 1e-9


def test_placidus_and_koch_are_undefined_inside_the_polar_circles_only() -> None:
    assert houses_undefined(HouseSystem.PLACIDUS, 67.0, NATAL_JD)
    assert houses_undefined(HouseSystem.KOCH, -70.0, NATAL_JD)
    assert not houses_undefined(HouseSystem.PLACIDUS, 66.0, NATAL_JD)
    assert not houses_undefined(HouseSystem.EQUAL, 89.0, NATAL_JD)


@pytest.mark.parametrize(
    "answer",
    [
        {"success": False, "error": {}},
        {"success": True},
        {"success": True, "data": {"planets": {"SUN": {"longitude": "x", "latitude": 0, "speed": 1}}}},
        {"success": True, "data": {"planets": {}}},
        ["not", "an", "object"],
    ],
)
def test_malformed_answers_are_refused(answer: object) -> None:
    with pytest.raises(MalformedAnswer):
        positions_of(chart_data(answer), (Body.SUN,), 0.0)


def test_houses_without_twelve_cusps_are_refused() -> None:
    data = {"houses": {"cusps": [1.0] * 11, "angles": {"ASC": 1.0, "MC": 2.0}}}
    with pytest.raises(MalformedAnswer):
        houses_of(data, NATAL_JD, 10.0, HouseSystem.EQUAL)
