"""The answer cache port: JSON-shaped values by key; misses and failures look the same to callers."""

from __future__ import annotations

from typing import Any, Protocol


class AnswerCache(Protocol):
    async def get(self, key: str) -> Any | None: ...

    async def put(self, key: str, value: Any) -> None: ...
