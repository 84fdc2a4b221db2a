"""Isolated resources for one run (tests or benchmarks) on shared infrastructure.

Each run gets a fresh database, its own exchange / dead-letter exchange / queue prefix (queues expire when
unused) and its own Redis key prefix, so runs never clobber each other or a running dev fleet.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import aio_pika
import asyncpg
import redis.asyncio as aioredis

from nocturna_platform.testing.infrastructure import Infrastructure, libpq_url, run_sync, with_database

QUEUE_EXPIRES_MS = 600_000


@dataclass(frozen=True)
class TestRun:
    """Where this run's isolated resources live; `env()` gives the variables a service process reads.

    `label` names the kind of run (`test`, `bench`) in every resource name, so leftovers say who left them.
    """

    __test__ = False

    run_id: str
    database_url: str
    redis_url: str
    amqp_url: str
    label: str = "test"

    @property
    def exchange(self) -> str:
        return f"nocturna.events.{self.label}-{self.run_id}"

    @property
    def dead_letter_exchange(self) -> str:
        return f"nocturna.dlx.{self.label}-{self.run_id}"

    @property
    def queue_prefix(self) -> str:
        return f"{self.label}-{self.run_id}."

    @property
    def redis_key_prefix(self) -> str:
        return f"{self.label}:{self.run_id}:"

    def env(self, **overrides: str) -> dict[str, str]:
        values = {
            "ENVIRONMENT": "test",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.redis_key_prefix,
            "AMQP_URL": self.amqp_url,
            "MESSAGING__EXCHANGE": self.exchange,
            "MESSAGING__DEAD_LETTER_EXCHANGE": self.dead_letter_exchange,
            "MESSAGING__QUEUE_PREFIX": self.queue_prefix,
            "MESSAGING__QUEUE_EXPIRES_MS": str(QUEUE_EXPIRES_MS),
            "MESSAGING__RETRY_BASE_DELAY_SECONDS": "0.05",
            "MESSAGING__RETRY_MAX_DELAY_SECONDS": "0.2",
            "OUTBOX__POLL_INTERVAL_SECONDS": "0.5",
            "LOG__LEVEL": "WARNING",
        }
        values.update(overrides)
        return values


@contextlib.contextmanager
def isolated_run(infrastructure: Infrastructure, label: str = "test") -> Iterator[TestRun]:
    """Create `nocturna_<label>_<id>`, yield the run, then drop it with the run's Redis keys and exchanges."""
    run_id = uuid.uuid4().hex[:12]
    database = f"nocturna_{label}_{run_id}"
    admin_url = libpq_url(infrastructure.database_url)

    async def create() -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(f'CREATE DATABASE "{database}"')
        finally:
            await connection.close()

    run_sync(create)
    run = TestRun(
        run_id=run_id,
        database_url=with_database(infrastructure.database_url, database),
        redis_url=infrastructure.redis_url,
        amqp_url=infrastructure.amqp_url,
        label=label,
    )
    try:
        yield run
    finally:
        run_sync(lambda: _cleanup(run, admin_url, database))


async def _cleanup(run: TestRun, admin_url: str, database: str) -> None:
    if os.environ.get("NOCTURNA_KEEP_TEST_DATABASE") != "1":
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await connection.close()
    client = aioredis.from_url(run.redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{run.redis_key_prefix}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
    amqp = await aio_pika.connect(run.amqp_url)
    try:
        channel = await amqp.channel()
        for exchange in (run.exchange, run.dead_letter_exchange):
            try:
                await channel.exchange_delete(exchange)
            except aio_pika.exceptions.AMQPError:
                channel = await amqp.channel()
    finally:
        await amqp.close()
