"""Test doubles that watch what happens while a password is hashed: open units of work, concurrent changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.auth.tests.fakes import FakePasswordHasher, InMemoryAuthStore


class CountedUnits:
    """The store's units of work, counting how many are open."""

    def __init__(self, store: InMemoryAuthStore) -> None:
        self.store, self.open = store, 0

    def __call__(self) -> CountedUnit:
        return CountedUnit(self, self.store())


class CountedUnit:
    def __init__(self, units: CountedUnits, unit: Any) -> None:
        self._units, self._unit = units, unit

    async def __aenter__(self) -> Any:
        self._units.open += 1
        return await self._unit.__aenter__()

    async def __aexit__(self, *exc: object) -> Any:
        self._units.open -= 1
        return await self._unit.__aexit__(*exc)


class WatchedHasher(FakePasswordHasher):
    """Runs `during` inside each verification (and each hash, with `hashing`): what else happens while a real
    hash would take 0.1 s."""

    def __init__(self, during: Callable[[], None], *, hashing: bool = False) -> None:
        super().__init__()
        self._during = during
        self._hashing = hashing

    async def verify(self, password_hash: str, password: str) -> bool:
        self._during()
        return await super().verify(password_hash, password)

    async def hash(self, password: str) -> str:
        if self._hashing:
            self._during()
        return await super().hash(password)
