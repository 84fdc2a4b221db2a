"""The calculation engine port: raw ecliptic positions and house cusps for a UT instant, nothing derived."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Body(StrEnum):
    SUN = "sun"
    MOON = "moon"
    MERCURY = "mercury"
    VENUS = "venus"
    MARS = "mars"
    JUPITER = "jupiter"
    SATURN = "saturn"
    URANUS = "uranus"
    NEPTUNE = "neptune"
    PLUTO = "pluto"
    NORTH_NODE = "north_node"
    TRUE_NODE = "true_node"
    LILITH = "lilith"
    CHIRON = "chiron"


class HouseSystem(StrEnum):
    PLACIDUS = "placidus"
    KOCH = "koch"
    EQUAL = "equal"
    WHOLE_SIGN = "whole_sign"
    CAMPANUS = "campanus"
    REGIOMONTANUS = "regiomontanus"
    PORPHYRY = "porphyry"
    ALCABITIUS = "alcabitius"
    MORINUS = "morinus"
    TOPOCENTRIC = "topocentric"


@dataclass(frozen=True, slots=True)
class RawPosition:
    """Geocentric apparent tropical ecliptic position of date: degrees, longitude in [0, 360), speed in °/day."""

    longitude: float
    latitude: float
    speed: float


@dataclass(frozen=True, slots=True)
class RawHouses:
    """Twelve cusps (house 1 first) and the angles the engine gives; DESC and IC are derived by the domain."""

    cusps: tuple[float, ...]
    asc: float
    mc: float
    vertex: float


@dataclass(frozen=True, slots=True)
class EngineInfo:
    name: str
    version: str


class HousesUnavailable(Exception):
    """The engine cannot compute this house system here (Placidus or Koch inside the polar circles)."""


class HouseSystemNotOffered(Exception):
    """The engine does not offer this house system at all (the remote engine knows six)."""

    def __init__(self, system: HouseSystem, engine: str) -> None:
        super().__init__(system.value)
        self.system, self.engine = system, engine


class EngineUnavailable(Exception):
    """The engine cannot be asked now (upstream down, overloaded or its circuit open): retry later."""

    def __init__(self, reason: str, retry_after_seconds: int = 5) -> None:
        super().__init__(reason)
        self.retry_after_seconds = retry_after_seconds


class EngineFailed(Exception):
    """The engine answered with an error or a malformed answer for input we had validated."""


class EngineTimedOut(Exception):
    """The engine did not answer within the configured time."""


class CalculationEngine(Protocol):
    """Computes raw positions and cusps for a Julian day in UT; it derives nothing.

    A remote engine raises `EngineUnavailable`, `EngineFailed` or `EngineTimedOut`; the local one never does.
    """

    @property
    def info(self) -> EngineInfo: ...

    @property
    def bodies(self) -> tuple[Body, ...]:
        """The bodies this engine can compute (Chiron needs ephemeris files)."""
        ...

    async def positions(self, jd_ut: float, bodies: tuple[Body, ...]) -> dict[Body, RawPosition]: ...

    async def houses(self, jd_ut: float, latitude: float, longitude: float, system: HouseSystem) -> RawHouses:
        """Raises `HousesUnavailable` where the system is undefined, `HouseSystemNotOffered` when unknown to it."""
        ...
