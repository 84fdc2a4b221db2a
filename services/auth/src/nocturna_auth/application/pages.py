"""Keyset pages of time-ordered (UUIDv7) rows, newest first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """`next_before` is the id to continue below, None on the last page."""

    items: Sequence[T]
    next_before: UUID | None


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], UUID]) -> Page[T]:
    """Cut `rows`, fetched with `limit + 1`, to one page; the extra row only tells that more follow."""
    if len(rows) > limit:
        return Page(rows[:limit], key(rows[limit - 1]))
    return Page(rows, None)
