"""`CalculationEngine` on the embedded Swiss Ephemeris (pyswisseph, AGPL): Moshier, or files when configured."""

from __future__ import annotations

from pathlib import Path

import swisseph as swe

from nocturna_chart.domain.engine import (
    Body,
    EngineInfo,
    HousesUnavailable,
    HouseSystem,
    RawHouses,
    RawPosition,
)

BODY_IDS: dict[Body, int] = {
    Body.SUN: swe.SUN,
    Body.MOON: swe.MOON,
    Body.MERCURY: swe.MERCURY,
    Body.VENUS: swe.VENUS,
    Body.MARS: swe.MARS,
    Body.JUPITER: swe.JUPITER,
    Body.SATURN: swe.SATURN,
    Body.URANUS: swe.URANUS,
    Body.NEPTUNE: swe.NEPTUNE,
    Body.PLUTO: swe.PLUTO,
    Body.NORTH_NODE: swe.MEAN_NODE,
    Body.TRUE_NODE: swe.TRUE_NODE,
    Body.LILITH: swe.MEAN_APOG,
    Body.CHIRON: swe.CHIRON,
}
HOUSE_CODES: dict[HouseSystem, bytes] = {
    HouseSystem.PLACIDUS: b"P",
    HouseSystem.KOCH: b"K",
    HouseSystem.EQUAL: b"E",
    HouseSystem.WHOLE_SIGN: b"W",
    HouseSystem.CAMPANUS: b"C",
    HouseSystem.REGIOMONTANUS: b"R",
    HouseSystem.PORPHYRY: b"O",
    HouseSystem.ALCABITIUS: b"B",
    HouseSystem.MORINUS: b"M",
    HouseSystem.TOPOCENTRIC: b"T",
}
POLAR_CODES = frozenset({b"P", b"K"})


class SwissEphemerisEngine:
    """Moshier's analytical ephemeris by default (no files, < 1″ of JPL for planets); Chiron needs files.

    The Swiss Ephemeris keeps its file path in process-global state: one configuration per process.
    """

    def __init__(self, ephemeris_path: Path | None = None) -> None:
        if ephemeris_path is not None:
            swe.set_ephe_path(str(ephemeris_path))
            self._flags = swe.FLG_SWIEPH | swe.FLG_SPEED
            source = "swiss-files"
            self._bodies = tuple(BODY_IDS)
        else:
            self._flags = swe.FLG_MOSEPH | swe.FLG_SPEED
            source = "moshier"
            self._bodies = tuple(body for body in BODY_IDS if body is not Body.CHIRON)
        self._info = EngineInfo("swisseph", f"{swe.version}/{source}")

    @property
    def info(self) -> EngineInfo:
        return self._info

    @property
    def bodies(self) -> tuple[Body, ...]:
        return self._bodies

    async def positions(self, jd_ut: float, bodies: tuple[Body, ...]) -> dict[Body, RawPosition]:
        calc, flags, result = swe.calc_ut, self._flags, {}
        for body in bodies:
            values, _ = calc(jd_ut, BODY_IDS[body], flags)
            result[body] = RawPosition(values[0], values[1], values[3])
        return result

    async def houses(self, jd_ut: float, latitude: float, longitude: float, system: HouseSystem) -> RawHouses:
        code = HOUSE_CODES[system]
        try:
            cusps, ascmc = swe.houses_ex(jd_ut, latitude, longitude, code)
        except swe.Error as error:
            raise HousesUnavailable(system.value) from error
        return RawHouses(tuple(cusps[:12]), ascmc[0], ascmc[1], ascmc[3])
