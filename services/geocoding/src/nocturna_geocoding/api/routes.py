"""HTTP routes of the geocoding service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from nocturna_platform.http.problems import Problem
from nocturna_platform.http.state import from_app_state
from pydantic import BaseModel

from nocturna_geocoding.infrastructure.places import SqlPlaceReader

router = APIRouter(tags=["geo"])


Places = Annotated[SqlPlaceReader, Depends(from_app_state("places"))]


class PlaceView(BaseModel):
    id: int
    name: str
    country_code: str
    admin1: str | None
    latitude: float
    longitude: float
    timezone: str
    population: int


@router.get("/api/v1/geo/places/{place_id}", response_model=PlaceView)
async def get_place(place_id: Annotated[int, Path(ge=1)], places: Places) -> PlaceView:
    row = await places.get(place_id)
    if row is None:
        raise Problem(404, "not_found", "Place not found", f"No place has id {place_id}.")
    return PlaceView.model_validate(row, from_attributes=True)
