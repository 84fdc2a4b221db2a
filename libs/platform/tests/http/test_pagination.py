from __future__ import annotations

import pytest
from nocturna_platform.http.pagination import decode_cursor, encode_cursor
from nocturna_platform.http.problems import Problem
from nocturna_platform.ids import uuid7


def test_a_cursor_round_trips_to_its_position() -> None:
    position = uuid7()
    cursor = encode_cursor(position)
    assert cursor is not None
    assert str(position) not in cursor
    assert decode_cursor(cursor) == position


def test_no_position_is_no_cursor() -> None:
    assert encode_cursor(None) is None
    assert decode_cursor(None) is None


@pytest.mark.parametrize("cursor", ["", "not-a-cursor", "djE6bm90LWEtdXVpZA", str(uuid7()), "%%%"])
def test_a_foreign_cursor_is_a_422_problem(cursor: str) -> None:
    with pytest.raises(Problem) as raised:
        decode_cursor(cursor)
    assert (raised.value.status, raised.value.code) == (422, "invalid_cursor")
    assert raised.value.errors[0].location == "query"
