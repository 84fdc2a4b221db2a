"""`on_batch` against the real broker: one transaction per batch; a poison message still dead-letters alone."""

from __future__ import annotations

import uuid

import pytest

from libs.platform.tests.messaging.test_consumers import (
    _dlq_depth,
    _true,
    effect_handler,
    envelope,
    eventually,
    send,
)

pytestmark = pytest.mark.integration


def batch_effect_handler(h, batch_sizes: list[int], *, fail_on: set[int] = frozenset()):
    async def handle(deliveries) -> set[uuid.UUID]:
        batch_sizes.append(len(deliveries))
        async with h.uow() as uow:
            claimed = await uow.claim_many([delivery.meta for delivery in deliveries])
            for delivery in deliveries:
                if delivery.event.number in fail_on:
                    raise RuntimeError("one message of the batch can never be handled")
                if delivery.meta.event_id in claimed:
                    claimed.discard(delivery.meta.event_id)
                    key = str(delivery.event.number)
                    await uow.session.execute(h.effects.insert().values(id=uuid.uuid4(), key=key))
            await uow.commit()
        return set()

    return handle


async def test_a_backlog_is_handled_in_batches_with_one_effect_per_event(clean_outbox) -> None:
    h = clean_outbox
    batch_sizes: list[int] = []
    singles: list[int] = []
    messaging = h.messaging(h.settings_via(None, "batched"), relay=False)
    messaging.subscriptions.on_batch(
        h.event, batch_effect_handler(h, batch_sizes), effect_handler(h, singles)
    )
    await messaging.start()
    try:
        duplicate = envelope(0)
        for _ in range(3):
            await send(h, duplicate.model_dump_json().encode(), str(duplicate.event_id))
        for number in range(1, 60):
            message = envelope(number)
            await send(h, message.model_dump_json().encode(), str(message.event_id))
        await eventually(lambda: _true(sum(batch_sizes) >= 62))
    finally:
        await messaging.stop()
    assert await h.effect_count() == 60
    assert await h.effect_count("0") == 1
    assert max(batch_sizes) > 1
    assert singles == []


async def test_a_poison_message_in_a_batch_dead_letters_alone_and_the_others_count_once(clean_outbox) -> None:
    h = clean_outbox
    batch_sizes: list[int] = []
    singles: list[int] = []
    settings = h.settings_via(None, "batchpoison")
    messaging = h.messaging(settings, relay=False)
    messaging.subscriptions.on_batch(
        h.event,
        batch_effect_handler(h, batch_sizes, fail_on={13}),
        effect_handler(h, singles, fail_on={13}),
    )
    queue_name = messaging.subscriptions.queue_names[0]
    await messaging.start()
    try:
        for number in range(10, 20):
            message = envelope(number)
            await send(h, message.model_dump_json().encode(), str(message.event_id))
        await eventually(lambda: _dlq_depth(h, queue_name, 1))
        await eventually(lambda: _effects(h, 9))
    finally:
        await messaging.stop()
    assert singles.count(13) == settings.messaging.max_deliveries
    for number in set(range(10, 20)) - {13}:
        assert await h.effect_count(str(number)) == 1
    assert await h.effect_count("13") == 0


async def _effects(h, expected: int) -> bool:
    return await h.effect_count() == expected
