"""MicroBatcher: concurrent submissions share one call; failed or deferred items go back to their callers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from nocturna_platform.messaging.batching import MicroBatcher


class Recording:
    def __init__(self, *, fail: bool = False, defer: set[str] = frozenset(), delay: float = 0.0) -> None:
        self.batches: list[list[str]] = []
        self.fail = fail
        self.defer = defer
        self.delay = delay
        self.running = 0
        self.most_running = 0

    async def __call__(self, items: Sequence[str]) -> list[int]:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            self.batches.append(list(items))
            await asyncio.sleep(self.delay)
            if self.fail:
                raise RuntimeError("the database said no")
            return [i for i, item in enumerate(items) if item in self.defer]
        finally:
            self.running -= 1


async def test_concurrent_items_are_handled_in_one_batch_and_reported_handled() -> None:
    process = Recording()
    batcher = MicroBatcher(process, max_size=100, max_wait_seconds=0.01)

    results = await asyncio.gather(*(batcher.submit(f"m{i}") for i in range(10)))

    assert results == [True] * 10
    assert process.batches == [[f"m{i}" for i in range(10)]]


async def test_a_full_batch_does_not_wait_for_the_timer() -> None:
    process = Recording()
    batcher = MicroBatcher(process, max_size=4, max_wait_seconds=60)

    async with asyncio.timeout(2):
        results = await asyncio.gather(*(batcher.submit(f"m{i}") for i in range(8)))

    assert results == [True] * 8
    assert process.batches == [["m0", "m1", "m2", "m3"], ["m4", "m5", "m6", "m7"]]


async def test_a_failed_batch_hands_every_item_back_to_its_caller() -> None:
    batcher = MicroBatcher(Recording(fail=True), max_size=10, max_wait_seconds=0.01)

    results = await asyncio.gather(*(batcher.submit(f"m{i}") for i in range(3)))

    assert results == [False, False, False]


async def test_only_deferred_items_are_handed_back() -> None:
    batcher = MicroBatcher(Recording(defer={"m1"}), max_size=10, max_wait_seconds=0.01)

    results = await asyncio.gather(*(batcher.submit(f"m{i}") for i in range(3)))

    assert results == [True, False, True]


async def test_batches_in_flight_are_bounded_and_the_rest_keep_collecting() -> None:
    process = Recording(delay=0.05)
    batcher = MicroBatcher(process, max_size=2, max_wait_seconds=0.001, max_in_flight=1)

    results = await asyncio.gather(*(batcher.submit(f"m{i}") for i in range(6)))

    assert results == [True] * 6
    assert process.most_running == 1
    assert sorted(item for batch in process.batches for item in batch) == [f"m{i}" for i in range(6)]


def test_a_batch_needs_room_for_one_item() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MicroBatcher(Recording(), max_size=0, max_wait_seconds=0.01)
