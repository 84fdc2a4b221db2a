"""The HTTP place directory against a fake geocoding service (httpx MockTransport)."""

from __future__ import annotations

import httpx
import pytest
from nocturna_chart.application.ports import PlacesUnavailable
from nocturna_chart.domain.birth import Place
from nocturna_chart.infrastructure.geocoding_client import HttpPlaceDirectory

PARIS = {
    "id": 2988507,
    "name": "Paris",
    "label": "Paris, Île-de-France, France",
    "country_code": "FR",
    "latitude": 48.85341,
    "longitude": 2.3488,
    "timezone": "Europe/Paris",
    "population": 2138551,
}


def _directory(handler: httpx.MockTransport) -> HttpPlaceDirectory:
    return HttpPlaceDirectory(httpx.AsyncClient(transport=handler, base_url="http://geocoding.test"))


def _geocoding(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/api/v1/geo/places/2988507":
        return httpx.Response(200, json=PARIS)
    if request.url.path == "/api/v1/geo/places/500":
        return httpx.Response(500, json={"detail": "boom"})
    return httpx.Response(404, json={"code": "not_found"})


async def test_a_known_place_unknown_place_and_failures() -> None:
    directory = _directory(httpx.MockTransport(_geocoding))

    assert await directory.place(2988507) == Place(2988507, PARIS["label"], 48.85341, 2.3488, "Europe/Paris")  # type: ignore[arg-type]
    assert await directory.place(1) is None
    with pytest.raises(PlacesUnavailable):
        await directory.place(500)


async def test_a_connection_failure_is_unavailable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(PlacesUnavailable):
        await _directory(httpx.MockTransport(refuse)).place(2988507)
