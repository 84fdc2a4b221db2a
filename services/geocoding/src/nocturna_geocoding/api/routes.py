"""HTTP routes of the geocoding service: translate requests to handlers and answers to the fixed shapes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.http.state import from_app_state
from pydantic import BaseModel

from nocturna_geocoding.application.use_cases import GeocodingUseCases
from nocturna_geocoding.domain.local_time import Reading
from nocturna_geocoding.domain.places import InvalidCoordinates, Place, PlaceQuery

router = APIRouter(tags=["geo"])

Handlers = Annotated[GeocodingUseCases, Depends(from_app_state("use_cases"))]

_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")


class PlaceView(BaseModel):
    id: int
    name: str
    label: str
    country_code: str
    country: str
    admin1: str | None
    latitude: float
    longitude: float
    timezone: str
    population: int

    @classmethod
    def of(cls, place: Place) -> PlaceView:
        return cls(**_place_fields(place))


def _place_fields(place: Place) -> dict[str, object]:
    """A place as `PlaceView` shows it, in its order."""
    return {
        "id": place.id,
        "name": place.name,
        "label": place.label,
        "country_code": place.country_code,
        "country": place.country,
        "admin1": place.admin1,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "timezone": place.timezone,
        "population": place.population,
    }


class PlaceSearchResponse(BaseModel):
    items: list[PlaceView]


class CandidateView(BaseModel):
    utc: str
    utc_offset: str
    is_dst: bool


class TimezoneResponse(BaseModel):
    zone: str
    local: str
    status: str
    utc_offset: str
    utc_offset_seconds: int
    is_dst: bool
    abbreviation: str
    utc: str
    candidates: list[CandidateView]
    tzdata_version: str


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _utc(reading: Reading) -> str:
    return reading.utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _coordinates_problem(error: InvalidCoordinates) -> Problem:
    return Problem(
        422,
        "invalid_coordinates",
        "Invalid coordinates",
        str(error),
        errors=[FieldError(name, reason, "out_of_range", "query") for name, reason in error.fields.items()],
    )


@router.get("/api/v1/geo/places", response_model=PlaceSearchResponse)
async def search_places(
    handlers: Handlers,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> JSONResponse:
    text = q.strip()
    if not text:
        raise Problem(
            422,
            "invalid_query",
            "Invalid query",
            errors=[FieldError("q", "must not be blank", "blank", "query")],
        )
    places = await handlers.search_places(PlaceQuery(text, country.upper() if country else None, limit))
    # Written as JSON in `PlaceSearchResponse`'s shape (the documented schema; `test_answer_shapes.py` holds
    # them together), sparing ten `PlaceView`s and FastAPI's validation of them again as the response model.
    return JSONResponse({"items": [_place_fields(place) for place in places]})


@router.get("/api/v1/geo/places/nearest", response_model=PlaceView, responses=problem_responses(404))
async def nearest_place(handlers: Handlers, lat: float, lon: float) -> PlaceView:
    try:
        place = await handlers.find_nearest_place(lat, lon)
    except InvalidCoordinates as error:
        raise _coordinates_problem(error) from None
    if place is None:
        raise Problem(404, "not_found", "No place found", "No place is loaded yet.")
    return PlaceView.of(place)


@router.get("/api/v1/geo/places/{place_id}", response_model=PlaceView, responses=problem_responses(404))
async def get_place(place_id: Annotated[int, Path(ge=1)], handlers: Handlers) -> PlaceView:
    place = await handlers.get_place(place_id)
    if place is None:
        raise Problem(404, "not_found", "Place not found", f"No place has id {place_id}.")
    return PlaceView.of(place)


@router.get("/api/v1/geo/timezone", response_model=TimezoneResponse)
async def timezone(
    handlers: Handlers,
    lat: float,
    lon: float,
    local: Annotated[str, Query(description="Wall-clock time at the place, `YYYY-MM-DDTHH:MM:SS`.")],
) -> JSONResponse:
    wall = _parse_local(local)
    try:
        answer = await handlers.resolve_timezone(lat, lon, wall)
    except InvalidCoordinates as error:
        raise _coordinates_problem(error) from None
    resolution = answer.resolution
    primary = resolution.primary
    return JSONResponse(  # in `TimezoneResponse`'s shape, as a search answers (see `search_places`)
        {
            "zone": resolution.zone,
            "local": resolution.local.strftime("%Y-%m-%dT%H:%M:%S"),
            "status": resolution.status.value,
            "utc_offset": _offset(primary.utc_offset),
            "utc_offset_seconds": int(primary.utc_offset.total_seconds()),
            "is_dst": primary.is_dst,
            "abbreviation": primary.abbreviation,
            "utc": _utc(primary),
            "candidates": [
                {"utc": _utc(c), "utc_offset": _offset(c.utc_offset), "is_dst": c.is_dst}
                for c in resolution.candidates
            ],
            "tzdata_version": answer.tzdata_version,
        }
    )


def _parse_local(value: str) -> datetime:
    problem = Problem(
        422,
        "invalid_local_time",
        "Invalid local time",
        errors=[FieldError("local", "must be a date and time YYYY-MM-DDTHH:MM:SS", "invalid", "query")],
    )
    if not _LOCAL_TIME.fullmatch(value):
        raise problem
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise problem from None
