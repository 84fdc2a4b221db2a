"""Internal evidence for what the public API cannot show (that data is gone, that events were handled once):
the run's database, read-only, and the replicas' `/metrics`. Journeys act only through the gateway; they
read these only to check the outcome.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
from nocturna_platform.testing.infrastructure import libpq_url
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.fleet import Fleet, Replica


@asynccontextmanager
async def read_only_database(fleet: Fleet) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the fleet's database on which every transaction is read-only."""
    connection = await asyncpg.connect(
        libpq_url(fleet.env["DATABASE_URL"]), server_settings={"default_transaction_read_only": "on"}
    )
    try:
        yield connection
    finally:
        await connection.close()


async def metric(replica: Replica, name: str, **labels: str) -> float:
    """The value of one sample on the replica's `/metrics` (0 when it was never counted)."""
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"{replica.url}/metrics")
    answer.raise_for_status()
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items()):
                return float(sample.value)
    return 0.0
