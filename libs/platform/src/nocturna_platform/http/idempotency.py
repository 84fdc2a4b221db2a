"""The `Idempotency-Key` request header (DESIGN §5: a `POST` that creates accepts one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a request safely: the same key with the same body answers the first result.",
    ),
]
REPLAYED_HEADER = "Idempotent-Replayed"
