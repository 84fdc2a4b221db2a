"""The zone at a point (timezonefinder's offline boundaries) and the system tz database."""

from __future__ import annotations

import zoneinfo
from datetime import tzinfo
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from timezonefinder import TimezoneFinder

from nocturna_geocoding.domain.local_time import nautical_zone


class TimezoneFinderLocator:
    """Zone boundaries shipped in the `timezonefinder` wheel, loaded into memory once; at sea `timezonefinder`
    already answers `Etc/GMT±N`, and anything it cannot place gets the nautical zone of its longitude."""

    def __init__(self) -> None:
        self._finder = TimezoneFinder(in_memory=True)

    def zone_at(self, latitude: float, longitude: float) -> str:
        zone: str | None = self._finder.timezone_at(lng=longitude, lat=latitude)
        return zone or nautical_zone(longitude)


class SystemTimeZoneDatabase:
    """`zoneinfo` reads `zoneinfo.TZPATH` (the system's /usr/share/zoneinfo, which on Debian keeps the
    pre-1970 `backzone` history) before the `tzdata` wheel; `version` names the release actually read."""

    def __init__(self) -> None:
        self._version = _tzdata_version()

    @property
    def version(self) -> str:
        return self._version

    def zone(self, name: str) -> tzinfo:
        return _zone(name)


@lru_cache(maxsize=1024)
def _zone(name: str) -> tzinfo:
    return zoneinfo.ZoneInfo(name)


def _tzdata_version() -> str:
    for directory in zoneinfo.TZPATH:
        for version_file, read in (("tzdata.zi", _first_line_version), ("+VERSION", _whole_file)):
            path = Path(directory) / version_file
            if path.is_file():
                version = read(path)
                if version:
                    return version
    try:
        return f"{metadata.version('tzdata')} (tzdata package)"
    except metadata.PackageNotFoundError:
        return "unknown"


def _first_line_version(path: Path) -> str | None:
    with path.open(encoding="utf-8") as lines:
        first = lines.readline().strip()
    return first.removeprefix("# version ").strip() if first.startswith("# version") else None


def _whole_file(path: Path) -> str | None:
    return path.read_text(encoding="utf-8").strip() or None
