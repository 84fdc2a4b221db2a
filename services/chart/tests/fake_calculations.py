"""A fake Nocturna Calculations served over real HTTP: recorded answers where recorded, pyswisseph elsewhere.

It mimics the upstream as `reference/nocturna-calculations/CONTRACT.md` describes it: bearer token, 500 for
bad input (`HH:MM`, unknown house system, Placidus/Koch at polar latitudes), the 12-key answer shape, and the
faults tests script: 500 calculation errors, 500 outages, 502/503/504, slow answers and hangs. It counts the
requests in flight, so tests can check the client's cap.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import swisseph as swe
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

REFERENCE = Path(__file__).parent / "reference"
TOKEN = "fake-service-token"
BODIES = {
    "SUN": swe.SUN,
    "MOON": swe.MOON,
    "MERCURY": swe.MERCURY,
    "VENUS": swe.VENUS,
    "MARS": swe.MARS,
    "JUPITER": swe.JUPITER,
    "SATURN": swe.SATURN,
    "URANUS": swe.URANUS,
    "NEPTUNE": swe.NEPTUNE,
    "PLUTO": swe.PLUTO,
    "NORTH_NODE": swe.MEAN_NODE,
    "LILITH": swe.MEAN_APOG,
}
SYSTEMS = {
    "PLACIDUS": b"P",
    "KOCH": b"K",
    "EQUAL": b"E",
    "WHOLE_SIGN": b"W",
    "CAMPANUS": b"C",
    "REGIOMONTANUS": b"R",
}
# A fault is one of: "calc_error" (500 with detail), "outage" (500, success false), 502, 503, 504,
# ("slow", seconds) then a normal answer, "hang" (never answers).
Fault = str | int | tuple[str, float]


@dataclass
class FakeCalculations:
    faults: deque[Fault] = field(default_factory=deque)
    always: Fault | None = None
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    served_recorded: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    recorded: dict[tuple[str, float, float, str], dict[str, Any]] = field(default_factory=dict)
    hung: asyncio.Event = field(default_factory=asyncio.Event)  # set to let hanging requests go

    def __post_init__(self) -> None:
        request = json.loads((REFERENCE / "natal.request.json").read_text())
        answer = json.loads((REFERENCE / "natal.json").read_text())
        self.recorded[_key(request)] = answer

    def script(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def reset(self) -> None:
        self.hung.set()
        self.hung = asyncio.Event()
        self.faults.clear()
        self.always = None
        self.requests = self.max_in_flight = self.served_recorded = 0
        self.bodies.clear()

    async def natal_chart(self, request: Request) -> JSONResponse:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"detail": "Could not validate credentials"}, 401)
        body = await request.json()
        self.bodies.append(body)
        fault = self.faults.popleft() if self.faults else self.always
        if fault == "hang":
            await self.hung.wait()
            return JSONResponse({"detail": "too late"}, 504)
        if isinstance(fault, tuple):
            await asyncio.sleep(fault[1])
        elif fault == "calc_error":
            return JSONResponse({"detail": "Error calculating natal chart: swisseph error"}, 500)
        elif fault == "outage":
            return JSONResponse({"success": False, "error": {"code": "DATABASE_ERROR"}}, 500)
        elif isinstance(fault, int):
            return JSONResponse({"detail": "Bad Gateway"}, fault)
        try:
            recorded = self.recorded.get(_key(body))
            if recorded is not None:
                self.served_recorded += 1
                return JSONResponse(recorded)
            return JSONResponse({"success": True, "data": calculate(body)})
        except (ValueError, KeyError, swe.Error) as error:
            return JSONResponse({"detail": f"Error calculating natal chart: {error}"}, 500)


def _instant(body: dict[str, Any]) -> datetime:
    local = datetime.strptime(
        f"{body['date']} {body['time']}", "%Y-%m-%d %H:%M:%S"
    )  # HH:MM fails, as upstream
    return local.replace(tzinfo=ZoneInfo(body.get("timezone", "UTC"))).astimezone(UTC)


def _key(body: dict[str, Any]) -> tuple[str, float, float, str]:
    return (_instant(body).isoformat(), body["latitude"], body["longitude"], body["house_system"].upper())


def calculate(body: dict[str, Any]) -> dict[str, Any]:
    """The natal answer, computed like upstream: Moshier with speeds, `swe.houses` with the system's code."""
    at = _instant(body)
    hours = at.hour + at.minute / 60.0 + at.second / 3600.0
    jd = swe.julday(at.year, at.month, at.day, hours)
    system = body["house_system"].upper()
    code = SYSTEMS[system]  # KeyError: unknown system → 500
    planets = {}
    for name, body_id in BODIES.items():
        values, _ = swe.calc_ut(jd, body_id, swe.FLG_MOSEPH | swe.FLG_SPEED)
        planets[name] = {
            "longitude": values[0],
            "latitude": values[1],
            "distance": values[2],
            "speed": values[3],
            "is_retrograde": values[3] < 0,
        }
    if code in (b"P", b"K"):
        obliquity = swe.calc_ut(jd, swe.ECL_NUT)[0][0]
        if abs(body["latitude"]) >= 90.0 - obliquity:
            raise ValueError("polar circle")
    cusps, ascmc = swe.houses(jd, body["latitude"], body["longitude"], code)
    angles = {"ASC": ascmc[0], "MC": ascmc[1], "DESC": (ascmc[0] + 180) % 360, "IC": (ascmc[1] + 180) % 360}
    # Upstream's aspect list, as untrustworthy as the real one: the client must ignore it.
    aspects = [{"planet1": "SUN", "planet2": "MOON", "angle": 0.0, "orb": 99.0, "aspect_type": "septile"}]
    return {
        "planets": planets,
        "houses": {"cusps": list(cusps[:12]), "angles": angles, "system": system},
        "aspects": {"aspects": aspects},
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def serving_fake(fake: FakeCalculations) -> AsyncIterator[str]:
    """Serve `fake` on a free local port in this event loop; yields its base URL."""
    app = Starlette(routes=[Route("/api/stateless/natal-chart", fake.natal_chart, methods=["POST"])])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        fake.hung.set()
        server.should_exit = server.force_exit = True
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
