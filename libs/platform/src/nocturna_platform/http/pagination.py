"""Cursor (keyset) pagination of lists (DESIGN §5): `limit`, `cursor`, `next_cursor`.

Rows are ordered by their UUIDv7 id, so the position is the last id served; the cursor wraps it opaquely
so clients do not build cursors themselves and the encoding may change.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Generic, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import BaseModel, Field

from nocturna_platform.http.problems import FieldError, Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_VERSION = "v1:"

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Cursor = Annotated[
    str | None,
    Query(max_length=200, description="The `next_cursor` of the previous page; omit for the first."),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass it as `cursor` to get the next page; null on the last page."
    )


def encode_cursor(position: UUID | None) -> str | None:
    if position is None:
        return None
    return base64.urlsafe_b64encode(f"{_VERSION}{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> UUID | None:
    """The position a cursor stands for; a 422 problem (`invalid_cursor`) when it is not one of ours."""
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_VERSION):
            raise ValueError(cursor)
        return UUID(text.removeprefix(_VERSION))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise Problem(
            422,
            "invalid_cursor",
            "Invalid cursor",
            "Pass back the `next_cursor` of a previous page unchanged.",
            [FieldError("cursor", "not a cursor of this list", "invalid_cursor", "query")],
        ) from error
