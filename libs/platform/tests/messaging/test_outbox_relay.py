"""The outbox relay against the real broker: outages delay events, lose none, duplicate none."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.integration


async def backlog(h) -> int:
    async with h.engine.connect() as connection:
        statement = select(func.count()).where(h.tables.outbox.c.published_at.is_(None))
        return int((await connection.execute(statement)).scalar_one())


async def test_committed_events_are_published_once(clean_outbox, recorder) -> None:
    h = clean_outbox
    messaging = h.messaging(h.settings_via(None, "normal"))
    await messaging.start()
    try:
        ids = await h.publish_events(range(50))
        await recorder.wait_for(50)
        await asyncio.sleep(0.3)
    finally:
        await messaging.stop()
    assert sorted(recorder.ids) == sorted(str(i) for i in ids)
    assert max(Counter(recorder.ids).values()) == 1
    assert await backlog(h) == 0


async def test_events_committed_during_a_broker_outage_arrive_after_it(clean_outbox, recorder) -> None:
    h = clean_outbox
    proxy = await h.proxy()
    messaging = h.messaging(h.settings_via(proxy, "outage"))
    await messaging.start()
    try:
        before = await h.publish_events(range(10))
        await recorder.wait_for(10)
        async with asyncio.timeout(10):
            while await backlog(h):  # confirmed and marked sent before the outage starts
                await asyncio.sleep(0.05)
        proxy.cut()
        during = await h.publish_events(range(10, 30))
        await asyncio.sleep(1.5)
        assert len(recorder.ids) == 10, "nothing can be published while the broker is unreachable"
        assert await backlog(h) == 20
        proxy.restore()
        await recorder.wait_for(30, timeout=60)
    finally:
        await messaging.stop()
    assert sorted(recorder.ids) == sorted(str(i) for i in before + during)
    assert await backlog(h) == 0


async def test_two_relays_publish_each_event_once(clean_outbox, recorder) -> None:
    h = clean_outbox
    ids = await h.publish_events(range(2000))
    first = h.messaging(h.settings_via(None, "relay-a"))
    second = h.messaging(h.settings_via(None, "relay-b"))
    await asyncio.gather(first.start(), second.start())
    try:
        await recorder.wait_for(2000, timeout=60)
        await asyncio.sleep(0.5)
    finally:
        await asyncio.gather(first.stop(), second.stop())
    counts = Counter(recorder.ids)
    assert set(counts) == {str(i) for i in ids}
    assert max(counts.values()) == 1
    published_by = (first.metrics.outbox_published._value.get(), second.metrics.outbox_published._value.get())
    assert sum(published_by) == 2000
