"""Known answers over the full seeded GeoNames table and the system tz database."""

from __future__ import annotations

import pytest

from services.geocoding.tests.conftest import GeocodingHarness

pytestmark = pytest.mark.integration

SEARCHES = [
    # (query, country, label expected among the first `rank` results, rank)
    ("Paris", None, "Paris, Île-de-France, France", 1),
    ("Paris", "US", "Paris, Texas, United States", 1),
    ("paris", "us", "Paris, Texas, United States", 1),
    ("Lond", None, "London, England, United Kingdom", 1),
    ("Londn", None, "London, England, United Kingdom", 1),
    ("Rmoe", None, "Rome, Lazio, Italy", 1),  # swapped letters: too few shared trigrams, one edit away
    ("Barcleona", None, "Barcelona, Catalonia, Spain", 1),
    ("Amsterdm", None, "Amsterdam, North Holland, The Netherlands", 1),
    ("Madirid", None, "Madrid, Spain", 1),
    ("Sann Franciscoo", None, "San Francisco, California, United States", 1),  # two edits: trigrams
    ("Buenos Aries", None, "Buenos Aires, Buenos Aires F.D., Argentina", 1),
    ("München", None, "Munich, Bavaria, Germany", 1),
    ("Munich", None, "Munich, Bavaria, Germany", 1),
    ("Muenchen", None, "Munich, Bavaria, Germany", 1),
    ("Мюнхен", None, "Munich, Bavaria, Germany", 1),
    ("MUNICH", None, "Munich, Bavaria, Germany", 1),
    ("Zurich", None, "Zürich, Zurich, Switzerland", 1),
    ("Koln", None, "Köln, North Rhine-Westphalia, Germany", 1),
    ("Sao Paulo", None, "São Paulo, Brazil", 1),
    ("東京", None, "Tokyo, Japan", 1),
    ("Moskva", None, "Moscow, Russia", 1),
    ("Warszawa", None, "Warsaw, Mazovia, Poland", 1),
    ("Wien", None, "Vienna, Austria", 1),
    ("Firenze", None, "Florence, Tuscany, Italy", 1),
    ("Bombay", None, "Mumbai, Maharashtra, India", 1),
    ("Kiev", None, "Kyiv, Kyiv City, Ukraine", 1),
    ("Springfield", "US", "Springfield, Missouri, United States", 1),
    ("Springfield", "US", "Springfield, Massachusetts, United States", 2),
    ("Frankfurt", "DE", "Frankfurt am Main, Hesse, Germany", 1),
    ("Cordoba", "AR", "Córdoba, Cordoba, Argentina", 1),
    ("Cordoba", "ES", "Córdoba, Andalusia, Spain", 1),
    ("San Francisco", None, "San Francisco, California, United States", 1),
    ("San Fran", None, "San Francisco, California, United States", 3),
]


@pytest.mark.parametrize(("q", "country", "label", "rank"), SEARCHES)
async def test_search(
    geocoding: GeocodingHarness, q: str, country: str | None, label: str, rank: int
) -> None:
    params: dict[str, str | int] = {"q": q, "limit": 5}
    if country:
        params["country"] = country
    response = await geocoding.client.get("/api/v1/geo/places", params=params)
    assert response.status_code == 200, response.text
    labels = [item["label"] for item in response.json()["items"]]
    assert label in labels[:rank], labels


async def test_a_place_has_the_fixed_shape(geocoding: GeocodingHarness) -> None:
    response = await geocoding.client.get("/api/v1/geo/places/2988507")
    assert response.status_code == 200
    assert response.json() == {
        "id": 2988507,
        "name": "Paris",
        "label": "Paris, Île-de-France, France",
        "country_code": "FR",
        "country": "France",
        "admin1": "Île-de-France",
        "latitude": 48.85341,
        "longitude": 2.3488,
        "timezone": "Europe/Paris",
        "population": 2138551,
    }


async def test_an_unknown_place_is_a_problem_404(geocoding: GeocodingHarness) -> None:
    response = await geocoding.client.get("/api/v1/geo/places/1")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_country_filter_keeps_results_inside_the_country(geocoding: GeocodingHarness) -> None:
    response = await geocoding.client.get("/api/v1/geo/places", params={"q": "Lon", "country": "CA"})
    items = response.json()["items"]
    assert items
    assert {item["country_code"] for item in items} == {"CA"}


@pytest.mark.parametrize(
    ("lat", "lon", "country", "name_part"),
    [(48.8534, 2.3488, "FR", "Paris"), (-33.87, 151.21, "AU", "Sydney"), (64.13, -21.9, "IS", "Reykjav")],
)
async def test_nearest_place(
    geocoding: GeocodingHarness, lat: float, lon: float, country: str, name_part: str
) -> None:
    response = await geocoding.client.get("/api/v1/geo/places/nearest", params={"lat": lat, "lon": lon})
    assert response.status_code == 200, response.text
    place = response.json()
    assert place["country_code"] == country
    assert name_part in place["name"]


async def test_nearest_place_in_mid_ocean_still_answers(geocoding: GeocodingHarness) -> None:
    response = await geocoding.client.get("/api/v1/geo/places/nearest", params={"lat": -48.9, "lon": -123.4})
    assert response.status_code == 200


TIMEZONES = [
    # (lat, lon, local, zone, status, utc_offset, is_dst, utc)
    (51.5074, -0.1278, "1941-06-01T12:00:00", "Europe/London", "ok", "+02:00", True, "1941-06-01T10:00:00Z"),
    (51.5074, -0.1278, "2021-01-15T12:00:00", "Europe/London", "ok", "+00:00", False, "2021-01-15T12:00:00Z"),
    # Amsterdam kept local mean time (+00:19:32, +01:19:32 in summer) until 1937: the zone's own history,
    # not the modern CET rules (upstream tzdata folds it into Europe/Brussels unless backzone is kept).
    (
        52.3676,
        4.9041,
        "1930-06-01T12:00:00",
        "Europe/Amsterdam",
        "ok",
        "+01:19:32",
        True,
        "1930-06-01T10:40:28Z",
    ),
    (
        52.3676,
        4.9041,
        "2021-06-01T12:00:00",
        "Europe/Amsterdam",
        "ok",
        "+02:00",
        True,
        "2021-06-01T10:00:00Z",
    ),
    (
        40.7128,
        -74.006,
        "2021-03-14T02:30:00",
        "America/New_York",
        "gap",
        "-05:00",
        False,
        "2021-03-14T07:30:00Z",
    ),
    (
        40.7128,
        -74.006,
        "2021-11-07T01:30:00",
        "America/New_York",
        "fold",
        "-04:00",
        True,
        "2021-11-07T05:30:00Z",
    ),
    (
        -33.8688,
        151.2093,
        "2021-01-15T12:00:00",
        "Australia/Sydney",
        "ok",
        "+11:00",
        True,
        "2021-01-15T01:00:00Z",
    ),
    (
        -33.8688,
        151.2093,
        "2021-07-15T12:00:00",
        "Australia/Sydney",
        "ok",
        "+10:00",
        False,
        "2021-07-15T02:00:00Z",
    ),
    (22.5726, 88.3639, "2021-07-15T12:00:00", "Asia/Kolkata", "ok", "+05:30", False, "2021-07-15T06:30:00Z"),
    (
        31.7587,
        -106.4869,
        "2023-01-15T12:00:00",
        "America/Denver",
        "ok",
        "-07:00",
        False,
        "2023-01-15T19:00:00Z",
    ),
    (
        31.69,
        -106.42,
        "2023-01-15T12:00:00",
        "America/Ciudad_Juarez",
        "ok",
        "-07:00",
        False,
        "2023-01-15T19:00:00Z",
    ),
    (40.0, -30.0, "2021-07-15T12:00:00", "Etc/GMT+2", "ok", "-02:00", False, "2021-07-15T14:00:00Z"),
]


@pytest.mark.parametrize(("lat", "lon", "local", "zone", "status", "offset", "is_dst", "utc"), TIMEZONES)
async def test_timezone(
    geocoding: GeocodingHarness,
    lat: float,
    lon: float,
    local: str,
    zone: str,
    status: str,
    offset: str,
    is_dst: bool,
    utc: str,
) -> None:
    response = await geocoding.client.get(
        "/api/v1/geo/timezone", params={"lat": lat, "lon": lon, "local": local}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["zone"], body["status"], body["utc_offset"], body["is_dst"], body["utc"]) == (
        zone,
        status,
        offset,
        is_dst,
        utc,
    )
    assert body["local"] == local
    assert len(body["candidates"]) == (1 if status == "ok" else 2)
    assert body["tzdata_version"]


async def test_a_gap_and_a_fold_list_both_instants(geocoding: GeocodingHarness) -> None:
    gap = (
        await geocoding.client.get(
            "/api/v1/geo/timezone", params={"lat": 40.7128, "lon": -74.006, "local": "2021-03-14T02:30:00"}
        )
    ).json()
    assert gap["candidates"] == [
        {"utc": "2021-03-14T06:30:00Z", "utc_offset": "-04:00", "is_dst": True},
        {"utc": "2021-03-14T07:30:00Z", "utc_offset": "-05:00", "is_dst": False},
    ]
    fold = (
        await geocoding.client.get(
            "/api/v1/geo/timezone", params={"lat": 40.7128, "lon": -74.006, "local": "2021-11-07T01:30:00"}
        )
    ).json()
    assert fold["candidates"] == [
        {"utc": "2021-11-07T05:30:00Z", "utc_offset": "-04:00", "is_dst": True},
        {"utc": "2021-11-07T06:30:00Z", "utc_offset": "-05:00", "is_dst": False},
    ]
    assert fold["abbreviation"] == "EDT"


@pytest.mark.parametrize(
    ("path", "params", "fields"),
    [
        ("/api/v1/geo/timezone", {"lat": 91, "lon": 0, "local": "2021-01-01T00:00:00"}, ["lat"]),
        ("/api/v1/geo/timezone", {"lat": 0, "lon": "inf", "local": "2021-01-01T00:00:00"}, ["lon"]),
        ("/api/v1/geo/timezone", {"lat": "nan", "lon": -181, "local": "2021-01-01T00:00:00"}, ["lat", "lon"]),
        ("/api/v1/geo/timezone", {"lat": 0, "lon": 0, "local": "2021-02-30T00:00:00"}, ["local"]),
        ("/api/v1/geo/timezone", {"lat": 0, "lon": 0, "local": "yesterday"}, ["local"]),
        ("/api/v1/geo/timezone", {"lat": 0, "lon": 0, "local": "2021-01-01T00:00:00+02:00"}, ["local"]),
        ("/api/v1/geo/places/nearest", {"lat": -90.5, "lon": 0}, ["lat"]),
        ("/api/v1/geo/places", {"q": "   "}, ["q"]),
    ],
)
async def test_invalid_input_is_a_422_problem_naming_the_field(
    geocoding: GeocodingHarness, path: str, params: dict[str, object], fields: list[str]
) -> None:
    response = await geocoding.client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == fields
