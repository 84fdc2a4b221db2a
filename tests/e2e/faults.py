"""Fault injection for the end-to-end fleet: each tool breaks one thing of this test run only, and undoes it.

Other test runs share the broker and the Postgres server, so nothing here touches a resource it cannot prove is
this run's: broker connections are picked by the name every service gives them (`named_amqp_url`: it starts with
the run's queue prefix), Postgres backends by the run's own database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import asyncpg
from nocturna_platform.testing.broker_connections import close_connections
from nocturna_platform.testing.infrastructure import libpq_url
from nocturna_platform.testing.isolated_run import TestRun

from tests.e2e.fleet import Replica


async def close_broker_connections(run: TestRun) -> int:
    """Close every broker connection of this run at once, as a broker restart or a network cut would; the
    services must reconnect on their own. Returns how many were closed."""
    return await close_connections(lambda name: name.startswith(run.queue_prefix))


@contextlib.asynccontextmanager
async def database_outage(run: TestRun, admin_database_url: str) -> AsyncIterator[None]:
    """This run's database refuses new connections and its live ones are terminated, until the block ends.

    `ALLOW_CONNECTIONS false` scopes the outage to the run's database (other runs share the server); the
    services see what a failover shows them: connections dropped, new ones refused."""
    database = run.database_url.rpartition("/")[2]
    admin = await _connect(libpq_url(admin_database_url))
    try:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    finally:
        await admin.close()


async def _connect(url: str, attempts: int = 20) -> asyncpg.Connection:
    """The server is shared with other runs and sometimes full for a moment: wait for a free slot."""
    for _ in range(attempts - 1):
        try:
            return await asyncpg.connect(url)
        except asyncpg.exceptions.TooManyConnectionsError:
            await asyncio.sleep(0.5)
    return await asyncpg.connect(url)


async def outbox_backlog(run: TestRun, schemas: Sequence[str]) -> dict[str, int]:
    """Events written but not yet published, per producing service's schema."""
    connection = await _connect(libpq_url(run.database_url))
    try:
        return {
            schema: int(
                await connection.fetchval(f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL")
            )
            for schema in schemas
        }
    finally:
        await connection.close()


class HangingUpstream:
    """An HTTP server that accepts connections and reads requests but never answers: a hung dependency."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.connections = 0
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> HangingUpstream:
        self._server = await asyncio.start_server(self._hang, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Idempotent: drops every hung connection and stops listening."""
        for writer in list(self._writers):
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _hang(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        with contextlib.suppress(ConnectionError, OSError):
            while await reader.read(65536):
                pass
        self._writers.discard(writer)


@contextlib.asynccontextmanager
async def replicas_running_with(
    replicas: Sequence[Replica], overrides: Mapping[str, str]
) -> AsyncIterator[None]:
    """Restart the replicas with extra environment variables; on exit restart them as they were (in a thread:
    waiting for readiness must not stall the test's event loop, which may be serving a fake upstream)."""
    original = {replica.name: replica.env for replica in replicas}
    await asyncio.to_thread(_restart, replicas, lambda replica: {**original[replica.name], **overrides})
    try:
        yield
    finally:
        await asyncio.to_thread(_restart, replicas, lambda replica: original[replica.name])


def _restart(replicas: Sequence[Replica], env_of: Callable[[Replica], Mapping[str, str]]) -> None:
    with ThreadPoolExecutor(len(replicas)) as stopping:  # side by side: each stop may take seconds
        list(stopping.map(Replica.stop, replicas))
    for replica in replicas:
        replica.env = env_of(replica)
        replica.start()
    for replica in replicas:
        replica.wait_ready()


async def restart_if_dead(replica: Replica) -> None:
    if replica.process is None or replica.process.poll() is not None:
        replica.start()
        await asyncio.to_thread(replica.wait_ready)
