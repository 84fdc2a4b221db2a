"""`PlaceDirectory` over HTTP: the geocoding service's `GET /api/v1/geo/places/{id}`."""

from __future__ import annotations

import httpx

from nocturna_chart.application.ports import PlacesUnavailable
from nocturna_chart.domain.birth import Place


class HttpPlaceDirectory:
    """Short timeouts; any transport failure or unexpected answer is `PlacesUnavailable` (our 503)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def place(self, place_id: int) -> Place | None:
        try:
            response = await self._client.get(f"/api/v1/geo/places/{place_id}")
        except httpx.HTTPError as error:
            raise PlacesUnavailable from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PlacesUnavailable(response.status_code)
        try:
            body = response.json()
            return Place(
                id=int(body["id"]),
                label=str(body.get("label") or body["name"]),
                latitude=float(body["latitude"]),
                longitude=float(body["longitude"]),
                timezone=str(body["timezone"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise PlacesUnavailable from error
