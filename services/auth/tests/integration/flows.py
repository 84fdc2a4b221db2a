"""Steps the token and session integration tests share: sign in, refresh, read the database, hear events."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import aio_pika
import asyncpg
import httpx
from nocturna_auth.bootstrap import MIGRATIONS
from nocturna_auth.infrastructure.tables import SCHEMA
from nocturna_platform.db.migrations import Migrations
from nocturna_platform.testing.infrastructure import Infrastructure, libpq_url, with_database
from nocturna_platform.testing.plugin import TestRun
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.auth.tests.conftest import PASSWORD, AuthHarness, unique_email

TOKEN_PATH = "/api/v1/auth/token"


@dataclass(frozen=True)
class SignedIn:
    user_id: UUID
    email: str
    access_token: str
    refresh_token: str
    session_id: UUID

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(auth: AuthHarness, email: str | None = None, **headers: str) -> SignedIn:
    """Sign in (registering `email` first if it is new to this helper's caller)."""
    if email is None:
        email = unique_email()
        await auth.register(email)
    response = await auth.password_grant(email, PASSWORD, **headers)
    assert response.status_code == 200, response.text
    body = response.json()
    principal = await auth.service.app.state.token_verifier.verify(body["access_token"])
    return SignedIn(
        principal.subject, email, body["access_token"], body["refresh_token"], principal.session_id
    )


async def refresh(client: httpx.AsyncClient, refresh_token: str, **fields: str) -> httpx.Response:
    return await client.post(
        TOKEN_PATH, data={"grant_type": "refresh_token", "refresh_token": refresh_token, **fields}
    )


async def execute(auth: AuthHarness, statement: str, **parameters: Any) -> list[Any]:
    """Run SQL on the service's database, committed; rows for a SELECT."""
    assert auth.service.shell.engine is not None
    async with auth.service.shell.engine.begin() as connection:
        result = await connection.execute(text(statement), parameters)
        return list(result) if result.returns_rows else []


@dataclass
class EventListener:
    """Envelopes of one event type, straight from the run's exchange."""

    envelopes: list[dict[str, Any]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            self.envelopes.append(json.loads(message.body))
            self.arrived.set()

    async def wait_for(self, **payload: str) -> dict[str, Any]:
        """The first envelope whose payload has these fields (waits for it, up to 30 s)."""
        async with asyncio.timeout(30):
            while True:
                for envelope in self.envelopes:
                    if all(envelope["payload"].get(key) == value for key, value in payload.items()):
                        return envelope
                self.arrived.clear()
                await self.arrived.wait()


@asynccontextmanager
async def listening(run: TestRun, event_type: str) -> AsyncIterator[EventListener]:
    listener = EventListener()
    connection = await aio_pika.connect(run.amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(run.exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key=event_type)
        await queue.consume(listener.on_message)
        yield listener
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(infrastructure: Infrastructure) -> AsyncIterator[AsyncEngine]:
    """A migrated database of its own, for tests that move time or delete keys the shared service uses."""
    name = f"nocturna_auth_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(libpq_url(infrastructure.database_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = with_database(infrastructure.database_url, name).replace(
            "postgresql://", "postgresql+asyncpg://", 1
        )
        await Migrations(MIGRATIONS, SCHEMA, url).upgrade("head")
        engine = create_async_engine(url)
        try:
            yield engine
        finally:
            await engine.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
