from __future__ import annotations

import pytest
from nocturna_chart.domain.aspects import AspectPolicy, AspectType, InvalidOrbs, find_aspects
from nocturna_chart.domain.engine import Body, RawPosition
from nocturna_chart.domain.zodiac import house_of, sign_of


def test_sign_degree_and_minute_are_truncated_within_the_sign() -> None:
    assert sign_of(295.39644791188624) == ("capricorn", 25, 23)
    assert sign_of(0.0) == ("aries", 0, 0)
    assert sign_of(359.9999999) == ("pisces", 29, 59)
    assert sign_of(-30.0) == ("pisces", 0, 0)


def test_house_placement_wraps_through_aries() -> None:
    cusps = [350.0 + 30.0 * i for i in range(12)]
    assert house_of(355.0, cusps) == 1
    assert house_of(10.0, cusps) == 1
    assert house_of(20.0, cusps) == 2
    assert house_of(349.0, cusps) == 12


def test_one_aspect_per_pair_the_tightest() -> None:
    # 132° is within the trine's orb (12) and the sesquiquadrate's (3): the sesquiquadrate is tighter.
    positions = {Body.SUN: RawPosition(0.0, 0.0, 1.0), Body.MARS: RawPosition(132.0, 0.0, 0.5)}
    policy = AspectPolicy.of({AspectType.TRINE: 12.0, AspectType.SESQUIQUADRATE: 3.0})

    [aspect] = find_aspects(positions, policy)

    assert (aspect.type, aspect.orb) == (AspectType.SESQUIQUADRATE, pytest.approx(3.0))


def test_applying_and_separating_follow_relative_motion() -> None:
    policy = AspectPolicy.of()
    moon_behind = {Body.SUN: RawPosition(100.0, 0.0, 1.0), Body.MOON: RawPosition(95.0, 0.0, 13.0)}
    moon_past = {Body.SUN: RawPosition(100.0, 0.0, 1.0), Body.MOON: RawPosition(105.0, 0.0, 13.0)}
    widening_opposition = {Body.SUN: RawPosition(10.0, 0.0, 1.0), Body.MARS: RawPosition(194.0, 0.0, -0.4)}

    assert find_aspects(moon_behind, policy)[0].applying is True
    assert find_aspects(moon_past, policy)[0].applying is False
    [opposition] = find_aspects(widening_opposition, policy)
    assert opposition.type is AspectType.OPPOSITION
    assert opposition.applying is True  # Sun and Mars move apart: 176° grows toward 180°


def test_conjunction_across_zero_aries_and_exactness() -> None:
    positions = {Body.VENUS: RawPosition(359.95, 0.0, 1.2), Body.MARS: RawPosition(0.05, 0.0, 0.7)}

    [aspect] = find_aspects(positions, AspectPolicy.of())

    assert aspect.type is AspectType.CONJUNCTION
    assert aspect.angle == pytest.approx(0.1)
    assert aspect.exact is True
    assert aspect.applying is True  # Venus, faster, is 0.1° behind Mars


def test_minor_aspects_can_be_switched_off_and_orbs_are_bounded() -> None:
    positions = {Body.SUN: RawPosition(0.0, 0.0, 1.0), Body.MARS: RawPosition(150.5, 0.0, 0.5)}

    assert find_aspects(positions, AspectPolicy.of(minors=False)) == []
    assert find_aspects(positions, AspectPolicy.of({AspectType.QUINCUNX: 0.0})) == []
    with pytest.raises(InvalidOrbs):
        AspectPolicy.of({AspectType.TRINE: 30.0})
    with pytest.raises(InvalidOrbs):
        AspectPolicy.of(exact_orb=5.0)
