"""Dead-letter queues: depth for the metrics, and the replay command used after a fix."""

from __future__ import annotations

import aio_pika

from nocturna_platform.messaging.topology import Topology

STRIPPED_HEADERS = (
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
)


async def dead_letter_depths(
    connection: aio_pika.abc.AbstractConnection, topology: Topology, queues: list[str]
) -> dict[str, int]:
    channel = await connection.channel()
    try:
        depths: dict[str, int] = {}
        for queue_name in queues:
            name = topology.dead_letter_queue(queue_name).name
            declared = await channel.declare_queue(name, passive=True)
            depths[queue_name] = int(declared.declaration_result.message_count or 0)
        return depths
    finally:
        await channel.close()


async def replay_dead_letters(
    amqp_url: str, topology: Topology, queue_name: str, limit: int | None = None
) -> int:
    """Move messages from `<queue>.dlq` back to `<queue>` (only that consumer sees them again).

    Each message is acknowledged in the DLQ only after the broker confirmed its re-publication.
    """
    dlq_name = topology.dead_letter_queue(queue_name).name
    connection = await aio_pika.connect(amqp_url)
    replayed = 0
    try:
        channel = await connection.channel(publisher_confirms=True)
        dlq = await channel.declare_queue(dlq_name, passive=True)
        while limit is None or replayed < limit:
            message = await dlq.get(no_ack=False, fail=False)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if k not in STRIPPED_HEADERS}
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body=message.body,
                    headers=headers,
                    content_type=message.content_type,
                    message_id=message.message_id,
                    type=message.type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=queue_name,
            )
            await message.ack()
            replayed += 1
    finally:
        await connection.close()
    return replayed
