"""Consumers against the real broker: inbox dedupe, bounded retries into the DLQ, redelivery after a crash."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import pytest
from nocturna_contracts.envelope import Envelope
from nocturna_platform.ids import uuid7
from nocturna_platform.messaging.dead_letters import replay_dead_letters

pytestmark = pytest.mark.integration


def envelope(number: int) -> Envelope:
    return Envelope(
        event_id=uuid7(),
        event_type="relaytest.thing.happened.v1",
        occurred_at="2026-11-25T10:00:00Z",
        producer="relaytest",
        payload={"number": number},
    )


async def send(h, body: bytes, message_id: str) -> None:
    connection = await aio_pika.connect(h.run.amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(h.run.exchange)
        await exchange.publish(
            aio_pika.Message(body, message_id=message_id, content_type="application/json"),
            routing_key="relaytest.thing.happened.v1",
        )
    finally:
        await connection.close()


def effect_handler(h, calls: list[int], *, fail_on: set[int] = frozenset()):
    async def handle(event, meta) -> None:
        calls.append(event.number)
        if event.number in fail_on:
            raise RuntimeError("this message can never be handled")
        async with h.uow() as uow:
            if not await uow.claim(meta):
                return
            await uow.session.execute(h.effects.insert().values(id=uuid.uuid4(), key=str(event.number)))
            await uow.commit()

    return handle


async def eventually(predicate, timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)


async def test_a_duplicated_delivery_has_no_second_effect(clean_outbox) -> None:
    h = clean_outbox
    calls: list[int] = []
    messaging = h.messaging(h.settings_via(None, "dupes"), relay=False)
    messaging.subscriptions.on(h.event, effect_handler(h, calls))
    await messaging.start()
    try:
        duplicate = envelope(7)
        for _ in range(3):
            await send(h, duplicate.model_dump_json().encode(), str(duplicate.event_id))
        await eventually(lambda: _true(len(calls) >= 3))
        await asyncio.sleep(0.2)
    finally:
        await messaging.stop()
    assert await h.effect_count("7") == 1


async def _true(value: bool) -> bool:
    return value


async def test_a_message_that_always_fails_ends_in_its_dlq_and_the_queue_keeps_flowing(clean_outbox) -> None:
    h = clean_outbox
    calls: list[int] = []
    settings = h.settings_via(None, "poison")
    messaging = h.messaging(settings, relay=False)
    messaging.subscriptions.on(h.event, effect_handler(h, calls, fail_on={13}))
    queue_name = messaging.subscriptions.queue_names[0]
    await messaging.start()
    try:
        bad, good = envelope(13), envelope(14)
        await send(h, bad.model_dump_json().encode(), str(bad.event_id))
        await send(h, good.model_dump_json().encode(), str(good.event_id))
        await send(h, b"{not json", "garbage")
        await eventually(lambda: _dlq_depth(h, queue_name, 2))
        assert await h.effect_count("14") == 1
        assert calls.count(13) == settings.messaging.max_deliveries
        assert messaging.metrics.consumed.labels(queue_name, "dead_lettered")._value.get() == 2
    finally:
        await messaging.stop()

    replayed = await replay_dead_letters(h.run.amqp_url, messaging.topology, queue_name)
    assert replayed == 2
    assert await _dlq_depth(h, queue_name, 0)


async def test_a_message_the_consumer_cannot_read_is_dead_lettered_without_retries(clean_outbox) -> None:
    h = clean_outbox
    calls: list[int] = []
    messaging = h.messaging(h.settings_via(None, "unreadable"), relay=False)
    messaging.subscriptions.on(h.event, effect_handler(h, calls))
    queue_name = messaging.subscriptions.queue_names[0]
    await messaging.start()
    try:
        invalid_payload = envelope(1).model_copy(update={"payload": {"number": "one"}})
        another_type = envelope(2).model_copy(update={"event_type": "relaytest.thing.vanished.v1"})
        for message in (invalid_payload, another_type):
            await send(h, message.model_dump_json().encode(), str(message.event_id))
        await eventually(lambda: _dlq_depth(h, queue_name, 2))
    finally:
        await messaging.stop()
    assert calls == []
    assert messaging.metrics.consumed.labels(queue_name, "retried")._value.get() == 0


async def _dlq_depth(h, queue_name: str, expected: int) -> bool:
    connection = await aio_pika.connect(h.run.amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(f"{queue_name}.dlq", passive=True)
        return queue.declaration_result.message_count == expected
    finally:
        await connection.close()


async def test_a_crash_before_ack_is_redelivered_with_exactly_one_effect(clean_outbox) -> None:
    h = clean_outbox
    proxy = await h.proxy()
    calls: list[int] = []
    record = effect_handler(h, calls)

    async def crash_after_effect(event, meta) -> None:
        await record(event, meta)
        if len(calls) == 1:
            # the process "dies" after its commit, before the ack reaches the broker; the outage ends later
            asyncio.get_running_loop().call_later(0.5, proxy.restore)
            proxy.cut()

    messaging = h.messaging(h.settings_via(proxy, "crash"), relay=False)
    messaging.subscriptions.on(h.event, crash_after_effect)
    await messaging.start()
    try:
        message = envelope(21)
        await send(h, json.dumps(message.model_dump(mode="json")).encode(), str(message.event_id))
        await eventually(lambda: _true(len(calls) >= 2), timeout=40)
        await asyncio.sleep(0.2)
    finally:
        await messaging.stop()
    assert await h.effect_count("21") == 1
