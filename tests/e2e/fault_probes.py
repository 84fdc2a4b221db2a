"""Probes the fault tests poll from outside the gateway: a condition until it holds, a replica's readiness and
`/metrics`, a queue's depth, the usage records an event made; and an event published as its producer would."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aio_pika
import asyncpg
import httpx
import pytest
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event
from nocturna_platform.ids import uuid7
from nocturna_platform.testing.isolated_run import TestRun

from tests.e2e.fleet import Replica


async def until(
    probe: Callable[[], Awaitable[object]], what: str, timeout: float = 30, every: float = 0.2
) -> None:
    """Poll an async `probe` until it returns a truthy value; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await probe():
            return
        await asyncio.sleep(every)
    pytest.fail(f"{what} did not happen within {timeout:g}s")


async def metric(replica: Replica, pattern: str) -> float | None:
    """The value of the first `/metrics` sample matching `pattern` (a regex over `name{labels}`)."""
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"{replica.url}/metrics")).text
    match = re.search(rf"^{pattern} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


async def ready(replica: Replica) -> bool:
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"{replica.url}/health/ready")).status_code == 200
    except httpx.HTTPError:
        return False


async def true(value: bool) -> bool:
    return value


async def equals(value: Awaitable[object], expected: object) -> bool:
    return bool(await value == expected)


async def none_ready(replicas: list[Replica]) -> bool:
    return not any([await ready(replica) for replica in replicas])


async def all_ready(replicas: list[Replica]) -> bool:
    return all([await ready(replica) for replica in replicas])


async def max_metric(replicas: list[Replica], pattern: str) -> float | None:
    values = [value for replica in replicas if (value := await metric(replica, pattern)) is not None]
    return max(values, default=None)


async def usage_records(run: TestRun, event_id: uuid.UUID) -> int:
    connection = await asyncpg.connect(run.database_url)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM subscription.usage_records WHERE event_id = $1", event_id
        )
        return count
    finally:
        await connection.close()


def now() -> datetime:
    return datetime.now(UTC)


async def publish(run: TestRun, event: Event) -> uuid.UUID:
    """Publish as the event's producer would (same exchange, routing key and envelope); the event id."""
    envelope = Envelope.wrap(event, event_id=uuid7(), occurred_at=now())
    connection = await aio_pika.connect(run.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(run.exchange, ensure=True)
        await exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(),
                message_id=str(envelope.event_id),
                type=envelope.event_type,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=envelope.event_type,
        )
    finally:
        await connection.close()
    return envelope.event_id


async def queue_depth(run: TestRun, queue: str) -> int:
    connection = await aio_pika.connect(run.amqp_url)
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.message_count or 0)
    finally:
        await connection.close()
