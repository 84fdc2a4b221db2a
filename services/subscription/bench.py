"""Benchmarks of the subscription service: usage events consumed per second, webhook processing latency.

`python services/subscription/bench.py [--events N] [--users N] [--replicas N] [--processes] [--webhooks N]`
runs both on an isolated run of the infrastructure (own database, exchange, queue prefix; removed afterwards).
`run(...)` does the same inside an environment someone else prepared (the env vars of a run already set).
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter, process_time
from uuid import UUID

import aio_pika
from nocturna_contracts.auth.v1 import UserRegistered
from nocturna_contracts.chart.v1 import ChartCalculated
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event
from nocturna_platform.ids import uuid7
from nocturna_platform.testing.service_processes import free_port, running_services
from nocturna_platform.testing.serving import serving
from nocturna_subscription.bootstrap import SubscriptionService
from nocturna_subscription.infrastructure.sandbox_billing import sign
from nocturna_subscription.settings import SubscriptionSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool


async def _publish_all(amqp_url: str, exchange_name: str, events: Sequence[Event]) -> None:
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(exchange_name, ensure=False)
        now = datetime.now(UTC)
        for start in range(0, len(events), 500):
            batch = []
            for event in events[start : start + 500]:
                envelope = Envelope.wrap(event, event_id=uuid7(), occurred_at=now)
                message = aio_pika.Message(
                    envelope.model_dump_json().encode(),
                    message_id=str(envelope.event_id),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                )
                batch.append(exchange.publish(message, routing_key=envelope.event_type))
            await asyncio.gather(*batch)


async def _scalar(service: SubscriptionService, statement: str) -> int:
    """Read on a connection of its own: the service's pool is what is being measured."""
    engine = create_async_engine(service.shell.settings.database_url.get_secret_value(), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(statement))).scalar_one() or 0)
    finally:
        await engine.dispose()


async def _wait_for(service: SubscriptionService, statement: str, expected: int, timeout: float) -> int:
    """Poll on one connection of its own (a new connection per poll would cost the process more CPU than a
    batch of events)."""
    deadline = perf_counter() + timeout
    engine = create_async_engine(service.shell.settings.database_url.get_secret_value(), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            value = int((await connection.execute(text(statement))).scalar_one() or 0)
            while value < expected and perf_counter() < deadline:
                await asyncio.sleep(0.05)
                value = int((await connection.execute(text(statement))).scalar_one() or 0)
                await connection.rollback()  # a fresh snapshot for the next poll
                if os.environ.get("BENCH_TRACE"):
                    print(f"{perf_counter():.2f} {value}")  # noqa: T201
    finally:
        await engine.dispose()
    return value


async def usage_throughput(events: int, users: int, replicas: int, processes: bool = False) -> float:
    """A backlog of `events` chart.calculated events over `users` users, drained by `replicas` replicas
    (competing consumers), in this process or (`processes`) each in its own; returns events per second."""
    settings = SubscriptionSettings()
    amqp_url, exchange = settings.amqp_url.get_secret_value(), settings.messaging.exchange
    user_ids = [uuid7() for _ in range(users)]
    first = SubscriptionService(settings)
    async with serving(first):  # declares the queues and starts every user's free plan
        now = datetime.now(UTC)
        await _publish_all(
            amqp_url,
            exchange,
            [UserRegistered(user_id=u, email=f"{u.hex}@example.com", registered_at=now) for u in user_ids],
        )
        await _wait_for(first, "SELECT count(*) FROM subscription.subscriptions", users, 60)
        counted_before = await _scalar(
            first, "SELECT coalesce(sum(charts), 0) FROM subscription.usage_counters"
        )
    backlog = [
        ChartCalculated(
            calculation_id=uuid7(),
            user_id=user_ids[i % users],
            engine="bench",
            calculated_at=datetime.now(UTC),
        )
        for i in range(events)
    ]
    await _publish_all(amqp_url, exchange, backlog)
    counter = "SELECT coalesce(sum(charts), 0) FROM subscription.usage_counters"

    async def first_consumed() -> float:
        await _wait_for(first, counter, counted_before + 1, 600)
        return perf_counter()

    async with AsyncExitStack() as stack:
        started = perf_counter()
        consuming = asyncio.create_task(first_consumed())
        if processes:  # as deployed: each replica its own process (and core)
            for _ in range(replicas):
                logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="subscription-bench-")))
                stack.enter_context(running_services({"subscription": free_port()}, dict(os.environ), logs))
        else:
            for service in [SubscriptionService(SubscriptionSettings()) for _ in range(replicas)]:
                await stack.enter_async_context(serving(service))
        cpu_at = process_time()
        counted = await _wait_for(first, counter, counted_before + events, 600)
        finished, cpu = perf_counter(), process_time() - cpu_at
        first_at = await consuming
    elapsed = finished - started
    rate = (counted - counted_before) / elapsed
    # From the first event counted: replicas start one after another, and the first may drain much of the
    # backlog alone while the others start, so this is a floor for `replicas` consumers, not an overstatement.
    drain_rate = (counted - counted_before) / (finished - first_at)
    where = "process(es)" if processes else "in this process"
    cpu_note = (
        "" if processes else f", {cpu * 1000 / max(counted - counted_before, 1):.2f} ms of CPU per event"
    )
    print(  # noqa: T201 (a benchmark reports on stdout)
        f"usage: {counted - counted_before}/{events} events for {users} users drained by {replicas} replica(s) "
        f"{where} in {elapsed:.2f} s with start-up → {rate:,.0f} events/s; {drain_rate:,.0f} events/s from the "
        f"first event counted{cpu_note}"
    )
    return drain_rate


async def webhook_latency(webhooks: int) -> dict[str, float]:
    """Sequential signed sandbox webhooks, each a plan change for its own user; latency of the HTTP call."""
    settings = SubscriptionSettings()
    secret = settings.billing.sandbox_webhook_secret.get_secret_value()
    service = SubscriptionService(settings)
    async with serving(service) as client:
        users = [uuid7() for _ in range(webhooks)]
        now = datetime.now(UTC)
        await _publish_all(
            settings.amqp_url.get_secret_value(),
            settings.messaging.exchange,
            [UserRegistered(user_id=u, email=f"{u.hex}@example.com", registered_at=now) for u in users],
        )
        await _wait_for(service, "SELECT count(*) FROM subscription.subscriptions", webhooks, 60)
        timings = []
        for user_id in users:
            payload, header = _signed_update(user_id, secret)
            started = perf_counter()
            response = await client.post(
                "/api/v1/billing/webhooks/sandbox", content=payload, headers={"Sandbox-Signature": header}
            )
            timings.append((perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    timings.sort()
    figures = {
        "p50_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
        "max_ms": timings[-1],
    }
    print(  # noqa: T201 (a benchmark reports on stdout)
        "webhooks: "
        + ", ".join(f"{k} {v:.1f}" for k, v in figures.items())
        + f" over {webhooks} (in-process)"
    )
    return figures


def _signed_update(user_id: UUID, secret: str) -> tuple[bytes, str]:
    created = datetime.now(UTC)
    event = {
        "id": f"evt_{uuid7().hex}",
        "type": "subscription.updated",
        "created": created.isoformat(),
        "data": {
            "user_id": str(user_id),
            "plan": "pro",
            "status": "active",
            "period_start": created.isoformat(),
            "period_end": (created + timedelta(days=30)).isoformat(),
            "subscription_id": f"sub_{user_id.hex}",
        },
    }
    payload = json.dumps(event).encode()
    return payload, sign(payload, secret, int(created.timestamp()))


async def run(
    events: int = 10_000, users: int = 100, replicas: int = 2, webhooks: int = 300, processes: bool = False
) -> None:
    await usage_throughput(events, users, replicas, processes)
    await webhook_latency(webhooks)


def main(argv: Sequence[str] | None = None) -> None:
    from nocturna_platform.testing.infrastructure import Infrastructure
    from nocturna_platform.testing.plugin import isolated_run

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--webhooks", type=int, default=300)
    parser.add_argument("--processes", action="store_true", help="replicas as their own processes")
    args = parser.parse_args(argv)
    with Infrastructure.acquire() as infrastructure, isolated_run(infrastructure) as test_run:
        os.environ.update(test_run.env(LOG__LEVEL="ERROR"))
        asyncio.run(run(args.events, args.users, args.replicas, args.webhooks, args.processes))


if __name__ == "__main__":
    main()
