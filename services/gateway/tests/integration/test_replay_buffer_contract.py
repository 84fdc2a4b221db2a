"""The replay buffer contract, run against Redis and against the in-memory fake the unit tests use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest
import redis.asyncio as aioredis
from nocturna_gateway.websocket.protocol import UserEvent
from nocturna_gateway.websocket.replay import RedisReplayBuffer, ReplayBuffer
from nocturna_platform.ids import uuid7
from nocturna_platform.testing.plugin import TestRun

from services.gateway.tests.fakes import InMemoryReplayBuffer

pytestmark = pytest.mark.integration

MAX_EVENTS = 5


@pytest.fixture(params=["redis", "memory"])
async def buffer(request: pytest.FixtureRequest, test_run: TestRun) -> AsyncIterator[ReplayBuffer]:
    if request.param == "memory":
        yield InMemoryReplayBuffer(max_events=MAX_EVENTS)
        return
    client = aioredis.from_url(test_run.redis_url)
    try:
        yield RedisReplayBuffer(client, test_run.redis_key_prefix, max_events=MAX_EVENTS, max_age_seconds=60)
    finally:
        await client.aclose()


def event(user_id: UUID) -> UserEvent:
    event_id = uuid7()
    return UserEvent(user_id, event_id, f'{{"event_id":"{event_id}"}}')


async def test_events_after_the_last_seen_one_in_order(buffer: ReplayBuffer) -> None:
    user = uuid4()
    events = [event(user) for _ in range(4)]
    for item in events:
        await buffer.append(item)

    assert list(await buffer.since(user, events[1].event_id)) == events[2:]
    assert list(await buffer.since(user, events[3].event_id)) == []


async def test_appending_the_same_event_twice_keeps_one(buffer: ReplayBuffer) -> None:
    user = uuid4()
    first, second = event(user), event(user)
    for item in (first, second, first, second):
        await buffer.append(item)

    assert list(await buffer.since(user, uuid4())) == [first, second]


async def test_replicas_appending_concurrently_keep_one_copy(buffer: ReplayBuffer) -> None:
    user = uuid4()
    events = [event(user) for _ in range(4)]

    await asyncio.gather(*(buffer.append(item) for _ in range(3) for item in events))

    assert sorted(e.event_id for e in await buffer.since(user, uuid4())) == sorted(e.event_id for e in events)


async def test_the_buffer_keeps_only_the_newest_events(buffer: ReplayBuffer) -> None:
    user = uuid4()
    events = [event(user) for _ in range(MAX_EVENTS + 3)]
    for item in events:
        await buffer.append(item)

    assert list(await buffer.since(user, events[0].event_id)) == events[-MAX_EVENTS:]


async def test_users_never_see_each_others_events(buffer: ReplayBuffer) -> None:
    ada, bob = uuid4(), uuid4()
    adas = event(ada)
    await buffer.append(adas)
    await buffer.append(event(bob))

    assert list(await buffer.since(ada, uuid4())) == [adas]
    assert adas not in await buffer.since(bob, adas.event_id)


async def test_forget_drops_the_users_events(buffer: ReplayBuffer) -> None:
    user = uuid4()
    await buffer.append(event(user))

    await buffer.forget(user)

    assert list(await buffer.since(user, uuid4())) == []


async def test_redis_drops_events_older_than_the_age_limit(test_run: TestRun) -> None:
    client = aioredis.from_url(test_run.redis_url)
    try:
        buffer = RedisReplayBuffer(client, test_run.redis_key_prefix, max_events=10, max_age_seconds=1)
        user = uuid4()
        old = event(user)
        await buffer.append(old)
        await asyncio.sleep(1.1)
        new = event(user)
        await buffer.append(new)

        assert list(await buffer.since(user, uuid4())) == [new]
        assert 0 < await client.ttl(f"{test_run.redis_key_prefix}ws:{{{user}}}:events") <= 1
    finally:
        await client.aclose()
