from __future__ import annotations

import json
from datetime import date, time

import pytest
from nocturna_chart.api.batch_records import (
    InvalidRecords,
    MalformedBody,
    TooManyRecords,
    csv_records,
    json_records,
)
from nocturna_chart.domain.birth import BirthData, PlacedBirth
from nocturna_chart.domain.engine import HouseSystem

HEADER = "name,notes,date,time,latitude,longitude,timezone,place_id,fold,house_system\n"
ADA = "Ada,first,1990-01-15,14:30,40.7128,-74.006,America/New_York,,,koch\n"
PARIS = "Bob,,1985-06-01,,,,,2988507,1,\n"
BIRTH = {"date": "1990-01-15", "time": "14:30", "latitude": 1.0, "longitude": 2.0, "timezone": "UTC"}


def test_csv_rows_become_records_with_coordinates_or_a_place_id() -> None:
    ada, bob = csv_records((HEADER + ADA + PARIS).encode())

    assert (ada.index, ada.name, ada.notes, ada.house_system) == (0, "Ada", "first", HouseSystem.KOCH)
    assert ada.birth == BirthData(date(1990, 1, 15), time(14, 30), 40.7128, -74.006, "America/New_York")
    assert (bob.index, bob.notes, bob.house_system) == (1, None, HouseSystem.PLACIDUS)
    assert bob.birth == PlacedBirth(date(1985, 6, 1), None, 2988507, 1)


def test_columns_may_be_a_subset_in_any_order_with_a_byte_order_mark() -> None:
    body = "\ufeffdate,name,place_id\n2000-02-29,Cy,42\n".encode()

    [record] = csv_records(body)

    assert record.birth == PlacedBirth(date(2000, 2, 29), None, 42, None)


def test_every_bad_csv_row_is_reported_with_its_line_and_column() -> None:
    bad_date = "Cy,,1990-13-40,10:00,1,2,UTC,,,\n"
    no_place = "Di,,1990-01-01,10:00,,,,,,\n"

    with pytest.raises(InvalidRecords) as raised:
        csv_records((HEADER + ADA + bad_date + no_place).encode())

    assert raised.value.records == [3, 4]
    fields = [error.field for error in raised.value.errors]
    assert "rows.3.date" in fields
    assert any(field.startswith("rows.4") for field in fields)
    assert not any(field.startswith("rows.2") for field in fields)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("name,date,colour\nAda,1990-01-01,red\n", "Unknown columns"),
        ("name,time\nAda,10:00\n", "Missing columns"),
        ("name,date\nAda,1990-01-01,extra\n", "more cells"),
    ],
)
def test_a_csv_with_a_bad_header_or_shape_is_refused_whole(body: str, reason: str) -> None:
    with pytest.raises(MalformedBody, match=reason):
        csv_records(body.encode())


def test_more_than_a_thousand_rows_are_refused_without_reading_them_all() -> None:
    with pytest.raises(TooManyRecords):
        csv_records((HEADER + ADA * 1001).encode())
    assert len(csv_records((HEADER + ADA * 1000).encode())) == 1000


def test_json_is_a_list_of_chart_requests_or_an_items_object() -> None:
    record = {"name": "Ada", "birth": BIRTH, "house_system": "equal", "options": {"minor_aspects": False}}

    [plain] = json_records(json.dumps([record]).encode())
    [wrapped] = json_records(json.dumps({"items": [record]}).encode())

    assert plain == wrapped
    assert (plain.house_system, plain.options.minor_aspects) == (HouseSystem.EQUAL, False)


def test_bad_json_records_are_named_by_index() -> None:
    good = {"name": "Ada", "birth": BIRTH}
    bad = {"name": "", "birth": {**BIRTH, "latitude": 91}}

    with pytest.raises(InvalidRecords) as raised:
        json_records(json.dumps([good, bad]).encode())

    assert raised.value.records == [1]
    assert {error.field for error in raised.value.errors} == {"items.1.name", "items.1.birth.latitude"}


@pytest.mark.parametrize("body", [b"{not json", b'{"records": []}', b'"x"'])
def test_a_body_that_is_no_list_of_records_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedBody):
        json_records(body)


def test_a_file_bad_on_every_row_names_every_row_but_lists_a_bounded_number_of_errors() -> None:
    with pytest.raises(InvalidRecords) as raised:
        csv_records(("name,date,time,latitude,longitude,timezone\n" + "x,bad,bad,1,2,UTC\n" * 500).encode())

    assert raised.value.records == list(range(2, 502))
    assert len(raised.value.errors) == 100
