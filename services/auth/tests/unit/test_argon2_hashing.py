"""argon2id off the event loop: a login's 0.1 s of hashing must not stall every other request of the process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from nocturna_auth.infrastructure.passwords import Argon2PasswordHasher
from nocturna_platform.capacity import AtCapacity

PASSWORD = "correct horse battery"


@pytest.fixture
async def hasher() -> AsyncIterator[Argon2PasswordHasher]:
    # The deployed cost: long enough (0.15 s or more) for the event loop to turn many times during one hash.
    hasher = Argon2PasswordHasher(time_cost=3, memory_cost_kib=65_536, parallelism=2, workers=2)
    yield hasher
    await hasher.close()


async def _loop_turns_while(work: asyncio.Task[object]) -> int:
    turns = 0
    while not work.done():
        await asyncio.sleep(0)
        turns += 1
    return turns


async def test_the_event_loop_keeps_turning_while_a_password_is_hashed(hasher: Argon2PasswordHasher) -> None:
    # Hashed on the loop itself, the task would finish within the first turn.
    hashing: asyncio.Task[object] = asyncio.create_task(hasher.hash(PASSWORD))
    assert await _loop_turns_while(hashing) > 10
    assert str(hashing.result()).startswith("$argon2id$")


async def test_the_event_loop_keeps_turning_while_a_password_is_verified(
    hasher: Argon2PasswordHasher,
) -> None:
    stored = await hasher.hash(PASSWORD)
    verifying: asyncio.Task[object] = asyncio.create_task(hasher.verify(stored, PASSWORD))
    assert await _loop_turns_while(verifying) > 10
    assert verifying.result() is True


async def test_a_wrong_password_or_a_malformed_hash_does_not_verify(hasher: Argon2PasswordHasher) -> None:
    stored = await hasher.hash(PASSWORD)
    assert await hasher.verify(stored, "not the password") is False
    assert await hasher.verify("not an argon2 hash", PASSWORD) is False


async def test_a_hash_made_with_other_parameters_needs_rehashing(hasher: Argon2PasswordHasher) -> None:
    cheaper = Argon2PasswordHasher(time_cost=1, memory_cost_kib=8_192, parallelism=1, workers=1)
    try:
        old = await cheaper.hash(PASSWORD)
    finally:
        await cheaper.close()
    assert hasher.needs_rehash(old)
    assert not hasher.needs_rehash(await hasher.hash(PASSWORD))


async def test_beyond_max_pending_a_hash_is_refused_at_once_and_the_queue_recovers() -> None:
    """A login storm: the excess gets a quick 503 to retry, not a queue of many seconds."""
    hasher = Argon2PasswordHasher(
        time_cost=3, memory_cost_kib=65_536, parallelism=2, workers=1, max_pending=2
    )
    try:
        under_way = [asyncio.create_task(hasher.hash(PASSWORD)) for _ in range(2)]
        await asyncio.sleep(0)  # both have taken their place
        with pytest.raises(AtCapacity):
            await hasher.hash(PASSWORD)
        await asyncio.gather(*under_way)
        assert (await hasher.hash(PASSWORD)).startswith("$argon2id$")
    finally:
        await hasher.close()
