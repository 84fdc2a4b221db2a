from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nocturna_geocoding.domain.local_time import LocalTimeStatus, nautical_zone, resolve_local_time


def _resolve(zone: str, local: str):  # type: ignore[no-untyped-def]
    return resolve_local_time(zone, ZoneInfo(zone), datetime.fromisoformat(local))


def test_a_skipped_wall_time_is_a_gap_with_both_readings() -> None:
    resolution = _resolve("America/New_York", "2021-03-14T02:30:00")
    assert resolution.status is LocalTimeStatus.GAP
    assert [c.utc.isoformat() for c in resolution.candidates] == [
        "2021-03-14T06:30:00+00:00",
        "2021-03-14T07:30:00+00:00",
    ]
    assert resolution.primary.utc_offset == timedelta(hours=-5)


def test_a_repeated_wall_time_is_a_fold_whose_primary_reading_is_the_first() -> None:
    resolution = _resolve("America/New_York", "2021-11-07T01:30:00")
    assert resolution.status is LocalTimeStatus.FOLD
    assert resolution.primary.is_dst
    assert [c.utc_offset for c in resolution.candidates] == [timedelta(hours=-4), timedelta(hours=-5)]


def test_an_ordinary_time_has_one_reading() -> None:
    resolution = _resolve("Europe/Paris", "2021-07-01T12:00:00")
    assert resolution.status is LocalTimeStatus.OK
    assert resolution.candidates == (resolution.primary,)
    assert resolution.primary.abbreviation == "CEST"


@pytest.mark.parametrize(
    ("longitude", "zone"),
    [
        (0.0, "Etc/GMT"),
        (-30.0, "Etc/GMT+2"),
        (44.0, "Etc/GMT-3"),
        (179.9, "Etc/GMT-12"),
        (-180.0, "Etc/GMT+12"),
    ],
)
def test_nautical_zones_follow_longitude_with_posix_signs(longitude: float, zone: str) -> None:
    assert nautical_zone(longitude) == zone
