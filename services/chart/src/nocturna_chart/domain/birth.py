"""Birth data and the resolution of a local birth time to a UT instant with the IANA tz database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNIX_EPOCH_JD = 2440587.5
NOON = time(12, 0)
TIME_UNKNOWN_WARNING = "Birth time unknown: the chart is cast for local noon, without houses or angles."


@dataclass(frozen=True)
class BirthData:
    """As the client gave it: local date and time (None = unknown) at a place with its IANA zone."""

    date: date
    time: time | None
    latitude: float
    longitude: float
    timezone: str
    fold: int | None = None
    place_id: int | None = None
    place_name: str | None = None


@dataclass(frozen=True)
class PlacedBirth:
    """Birth data given with a geocoding place id: becomes `BirthData` once the place is known."""

    date: date
    time: time | None
    place_id: int
    fold: int | None = None

    def at(self, place: Place) -> BirthData:
        return BirthData(
            self.date,
            self.time,
            place.latitude,
            place.longitude,
            place.timezone,
            self.fold,
            place_id=place.id,
            place_name=place.label,
        )


@dataclass(frozen=True)
class Place:
    """A birthplace from the geocoding service: its coordinates and IANA zone fill in the birth data."""

    id: int
    label: str
    latitude: float
    longitude: float
    timezone: str


@dataclass(frozen=True)
class ResolvedInstant:
    utc: datetime
    utc_offset: timedelta
    zone: str

    @property
    def julian_day(self) -> float:
        return julian_day(self.utc)


def julian_day(instant: datetime) -> float:
    """Julian day (UT) of an aware instant, proleptic Gregorian like the Swiss Ephemeris after 1582."""
    return UNIX_EPOCH_JD + instant.timestamp() / 86400.0


def instant_of(jd_ut: float) -> datetime:
    """The UTC instant of a Julian day (UT), to the microsecond."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=jd_ut - UNIX_EPOCH_JD)


class UnknownTimezone(ValueError):
    pass


class AmbiguousLocalTime(ValueError):
    """The local time is skipped (DST gap) or repeated (DST fold); the client must choose with `fold`."""

    def __init__(self, kind: str, candidates: tuple[datetime, datetime]) -> None:
        super().__init__(kind)
        self.kind = kind
        self.candidates = candidates


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimezone(name) from error


def resolve_instant(birth: BirthData) -> ResolvedInstant:
    """The UT instant of a local birth time; a gap or fold is refused unless `fold` chooses (PEP 495 meaning)."""
    zone = zone_of(birth.timezone)
    wall = datetime.combine(birth.date, birth.time or NOON)
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    chosen = first
    if first.utcoffset() != second.utcoffset():
        if birth.fold is None:
            exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall
            kind = "ambiguous" if exists else "nonexistent"
            pair = sorted((first.astimezone(UTC), second.astimezone(UTC)))
            raise AmbiguousLocalTime(kind, (pair[0], pair[1]))
        chosen = second if birth.fold == 1 else first
    offset = chosen.utcoffset()
    assert offset is not None
    return ResolvedInstant(chosen.astimezone(UTC), offset, birth.timezone)
