"""argon2id password hashing (argon2-cffi), off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from nocturna_platform.capacity import AtCapacity

T = TypeVar("T")


class Argon2PasswordHasher:
    """Each hash or verification (at the defaults, 0.3 s of CPU on two lanes and `memory_cost_kib` of memory) runs in one
    of `workers` threads: argon2-cffi releases the GIL, so the event loop serves every other request meanwhile.
    More concurrent logins than workers wait their turn, which bounds the memory at `workers * memory_cost`.

    At most `max_pending` wait or run at once; one more raises `AtCapacity` (a 503 to retry) at once. A login
    storm (every app signing in again after an outage) then costs its excess a quick retry instead of a queue
    of many seconds that would time every login out at the gateway and open its breaker for all of auth."""

    def __init__(
        self,
        time_cost: int = 3,
        memory_cost_kib: int = 65_536,
        parallelism: int = 2,
        workers: int = 2,
        max_pending: int = 32,
    ) -> None:
        self._argon2 = Argon2(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism)
        self._workers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._max_pending = max_pending
        self._pending = 0

    async def hash(self, password: str) -> str:
        return await self._off_loop(self._argon2.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._off_loop(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon2.check_needs_rehash(password_hash)

    async def close(self) -> None:
        """Stop the threads once the hashes under way finish; nothing is left to await at shutdown."""
        self._workers.shutdown(wait=False, cancel_futures=True)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def _off_loop(self, work: Callable[..., T], *args: str) -> T:
        if self._pending >= self._max_pending:
            raise AtCapacity("password hashing")
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._workers, work, *args)
        finally:
            self._pending -= 1
