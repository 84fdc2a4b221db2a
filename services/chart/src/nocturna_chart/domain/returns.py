"""Solar and lunar returns: the first moment at or after a start when the body is back at its natal longitude."""

from __future__ import annotations

from nocturna_chart.domain.engine import Body, CalculationEngine

MEAN_DAILY_MOTION = {Body.SUN: 0.985647, Body.MOON: 13.176358}
PERIOD_DAYS = {Body.SUN: 365.2422, Body.MOON: 27.3216}
PRECISION_DEGREES = 1e-8  # ≈ 0.3 ms of the Sun's motion
MAX_STEPS = 30


class ReturnNotFound(ArithmeticError):
    pass


async def find_return(
    engine: CalculationEngine, body: Body, natal_longitude: float, start_jd: float
) -> float:
    """Newton's method on the body's longitude from a mean-motion estimate; the Sun and Moon never retrograde."""
    position = (await engine.positions(start_jd, (body,)))[body]
    ahead = (natal_longitude - position.longitude) % 360.0
    jd = start_jd + ahead / MEAN_DAILY_MOTION[body]
    for _ in range(MAX_STEPS):
        position = (await engine.positions(jd, (body,)))[body]
        gap = (position.longitude - natal_longitude + 180.0) % 360.0 - 180.0
        if abs(gap) < PRECISION_DEGREES:
            if jd < start_jd:  # converged on the return just before the start
                return await find_return(engine, body, natal_longitude, jd + PERIOD_DAYS[body] / 2.0)
            return jd
        jd -= gap / position.speed
    raise ReturnNotFound(body.value)
