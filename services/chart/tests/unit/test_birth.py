from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from nocturna_chart.domain.birth import AmbiguousLocalTime, BirthData, UnknownTimezone, resolve_instant


def _birth(day: date, at: time | None, zone: str, fold: int | None = None) -> BirthData:
    return BirthData(day, at, 40.7128, -74.006, zone, fold)


def test_a_plain_local_time_resolves_with_its_offset() -> None:
    resolved = resolve_instant(_birth(date(1990, 1, 15), time(14, 30), "America/New_York"))

    assert resolved.utc == datetime(1990, 1, 15, 19, 30, tzinfo=UTC)
    assert resolved.utc_offset == timedelta(hours=-5)
    assert resolved.julian_day == 2447907.3125


def test_pre_1970_history_comes_from_the_tz_database() -> None:
    resolved = resolve_instant(_birth(date(1920, 6, 1), time(12, 0), "Europe/Amsterdam"))

    assert resolved.utc_offset == timedelta(hours=1, minutes=19, seconds=32)  # Amsterdam summer time, 1920


@pytest.mark.parametrize(
    ("day", "at", "kind", "candidates"),
    [
        (date(2021, 3, 14), time(2, 30), "nonexistent", (6, 7)),
        (date(2021, 11, 7), time(1, 30), "ambiguous", (5, 6)),
    ],
)
def test_gap_and_fold_name_both_candidates_until_the_client_chooses(
    day: date, at: time, kind: str, candidates: tuple[int, int]
) -> None:
    with pytest.raises(AmbiguousLocalTime) as refused:
        resolve_instant(_birth(day, at, "America/New_York"))

    assert refused.value.kind == kind
    assert [instant.hour for instant in refused.value.candidates] == list(candidates)
    earlier = resolve_instant(_birth(day, at, "America/New_York", fold=0)).utc
    later = resolve_instant(_birth(day, at, "America/New_York", fold=1)).utc
    assert {earlier, later} == set(refused.value.candidates)


def test_unknown_time_is_cast_for_local_noon() -> None:
    resolved = resolve_instant(_birth(date(1990, 1, 15), None, "America/New_York"))

    assert resolved.utc == datetime(1990, 1, 15, 17, 0, tzinfo=UTC)


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(UnknownTimezone):
        resolve_instant(_birth(date(1990, 1, 15), time(12, 0), "Mars/Olympus_Mons"))
