from __future__ import annotations

import math

import pytest
from nocturna_geocoding.domain.names import searchable_names
from nocturna_geocoding.domain.places import InvalidCoordinates, Place, check_coordinates


def _place(name: str, admin1: str | None, country: str) -> Place:
    return Place(1, name, "XX", country, admin1, 0.0, 0.0, "UTC", 0)


def test_the_label_names_the_area_and_country_but_never_repeats_the_name() -> None:
    assert _place("Paris", "Île-de-France", "France").label == "Paris, Île-de-France, France"
    assert _place("Berlin", "Berlin", "Germany").label == "Berlin, Germany"
    assert _place("Monaco", None, "Monaco").label == "Monaco, Monaco"


def test_german_digraph_spellings_are_indexed_and_codes_are_not() -> None:
    names = searchable_names("München", ["Munich", "MUC", "Мюнхен", "https://example.org/x"])
    assert names == {"München", "Muenchen", "Munich", "Мюнхен"}


@pytest.mark.parametrize(
    ("lat", "lon", "fields"),
    [(91.0, 0.0, {"lat"}), (0.0, -180.5, {"lon"}), (math.nan, math.inf, {"lat", "lon"})],
)
def test_coordinates_out_of_range_or_not_finite_name_their_fields(
    lat: float, lon: float, fields: set[str]
) -> None:
    with pytest.raises(InvalidCoordinates) as raised:
        check_coordinates(lat, lon)
    assert set(raised.value.fields) == fields


def test_the_poles_and_the_antimeridian_are_valid() -> None:
    check_coordinates(90.0, 180.0)
    check_coordinates(-90.0, -180.0)
