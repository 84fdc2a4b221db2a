"""Reading a wall-clock time in an IANA zone: its UTC instant, or both instants when the clock jumped."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class LocalTimeStatus(enum.StrEnum):
    OK = "ok"
    GAP = "gap"
    """The wall time never happened (clocks jumped forward over it)."""
    FOLD = "fold"
    """The wall time happened twice (clocks were set back over it)."""


@dataclass(frozen=True)
class Reading:
    """One interpretation of a wall time: its UTC instant and the zone's offset and DST flag then."""

    utc: datetime
    utc_offset: timedelta
    is_dst: bool
    abbreviation: str


@dataclass(frozen=True)
class LocalTimeResolution:
    """`primary` is the PEP 495 `fold=0` reading (for a gap: the offset in force before the jump; for a
    fold: the first occurrence); `candidates` lists every reading, earliest instant first."""

    zone: str
    local: datetime
    status: LocalTimeStatus
    primary: Reading
    candidates: tuple[Reading, ...]


class ZoneLocator(Protocol):
    """The IANA zone in force at a point; at sea the nautical `Etc/GMT±N` zone of its longitude."""

    def zone_at(self, latitude: float, longitude: float) -> str: ...


class TimeZoneDatabase(Protocol):
    """The tz database: zone rules by name, and which release of the database they come from."""

    @property
    def version(self) -> str: ...

    def zone(self, name: str) -> tzinfo: ...


def nautical_zone(longitude: float) -> str:
    """The nautical zone of a longitude: 15° wide bands centred on multiples of 15°; POSIX signs are inverted."""
    hours = max(-12, min(12, round(longitude / 15)))
    return "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"


def _reading(aware: datetime) -> Reading:
    offset = aware.utcoffset() or timedelta(0)
    dst = aware.dst()
    return Reading(
        utc=aware.astimezone(UTC),
        utc_offset=offset,
        is_dst=bool(dst),
        abbreviation=aware.tzname() or "",
    )


def resolve_local_time(zone_name: str, zone: tzinfo, local: datetime) -> LocalTimeResolution:
    """Both PEP 495 readings of the wall time are compared: equal offsets mean one instant; different offsets
    mean a fold when the first reading converts back to the same wall time, a gap otherwise."""
    wall = local.replace(tzinfo=None, fold=0)
    first = _reading(wall.replace(tzinfo=zone, fold=0))
    second = _reading(wall.replace(tzinfo=zone, fold=1))
    if first.utc_offset == second.utc_offset:
        return LocalTimeResolution(zone_name, wall, LocalTimeStatus.OK, first, (first,))
    round_trip = first.utc.astimezone(zone).replace(tzinfo=None, fold=0)
    status = LocalTimeStatus.FOLD if round_trip == wall else LocalTimeStatus.GAP
    candidates = tuple(sorted((first, second), key=lambda reading: reading.utc))
    return LocalTimeResolution(zone_name, wall, status, first, candidates)
