"""Auth and two gateway replicas as real processes, a real WebSocket client, events put on the real broker."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import aio_pika
import httpx
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.event import Event
from nocturna_platform.clock import utc_now
from nocturna_platform.ids import uuid7
from nocturna_platform.testing.isolated_run import TestRun
from nocturna_platform.testing.service_processes import free_port, migrate, running_services
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parents[4]
ISSUER = "http://gateway.test"
PASSWORD = "correct horse battery staple"
SOCKET_SETTINGS = {
    "WEBSOCKET__AUTH_TIMEOUT_SECONDS": "1",
    "WEBSOCKET__SEND_QUEUE_SIZE": "16",
    "WEBSOCKET__HEARTBEAT_INTERVAL_SECONDS": "1",
    "WEBSOCKET__HEARTBEAT_TIMEOUT_SECONDS": "10",
}


@dataclass
class Stack:
    auth: str
    gateways: list[str]
    run: TestRun
    gateway_pids: list[int]

    def socket_url(self, replica: int) -> str:
        return self.gateways[replica].replace("http://", "ws://") + "/api/v1/ws"


class Producer:
    """Puts events on the run's exchange as a producer's outbox relay would."""

    def __init__(
        self, connection: aio_pika.abc.AbstractConnection, exchange: aio_pika.abc.AbstractExchange
    ) -> None:
        self.connection = connection
        self._exchange = exchange

    @classmethod
    async def open(cls, run: TestRun) -> Producer:
        connection = await aio_pika.connect(run.amqp_url)
        channel = await connection.channel()
        return cls(connection, await channel.get_exchange(run.exchange))

    async def publish(self, event: Event) -> Envelope:
        envelope = Envelope.wrap(event, event_id=uuid7(), occurred_at=utc_now())
        await self._exchange.publish(
            aio_pika.Message(
                envelope.model_dump_json().encode(),
                message_id=str(envelope.event_id),
                content_type="application/json",
            ),
            routing_key=envelope.event_type,
        )
        return envelope


@contextmanager
def running_stack(run: TestRun, logs: Path) -> Iterator[Stack]:
    auth_port, gateway_ports = free_port(), [free_port(), free_port()]
    auth = f"http://127.0.0.1:{auth_port}"
    env = {
        **os.environ,
        **run.env(),
        **SOCKET_SETTINGS,
        "TOKENS__JWKS_URL": f"{auth}/.well-known/jwks.json",
        "TOKENS__ISSUER": ISSUER,
        "ISSUING__ISSUER": ISSUER,
        "PASSWORD_HASHING__TIME_COST": "1",
        "PASSWORD_HASHING__MEMORY_COST_KIB": "8192",
        "UPSTREAMS__AUTH": auth,
    }
    migrate(["auth"], env, cwd=ROOT)
    with ExitStack() as processes:
        processes.enter_context(running_services({"auth": auth_port}, env, logs / "auth", cwd=ROOT))
        pids = [
            processes.enter_context(
                running_services({"gateway": port}, env, logs / f"gateway-{number}", cwd=ROOT)
            )["gateway"].pid
            for number, port in enumerate(gateway_ports)
        ]
        yield Stack(auth, [f"http://127.0.0.1:{port}" for port in gateway_ports], run, pids)


@dataclass
class Login:
    email: str
    access_token: str

    def claims(self) -> dict[str, Any]:
        payload = self.access_token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))

    @property
    def user_id(self) -> UUID:
        return UUID(self.claims()["sub"])

    @property
    def session_id(self) -> UUID:
        return UUID(self.claims()["sid"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def sign_up(stack: Stack) -> Login:
    email = f"ws-{uuid.uuid4().hex[:10]}@example.com"
    async with httpx.AsyncClient(base_url=stack.auth, timeout=10) as client:
        registered = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        assert registered.status_code == 201, registered.text
    return await log_in(stack, email)


async def log_in(stack: Stack, email: str) -> Login:
    async with httpx.AsyncClient(base_url=stack.auth, timeout=10) as client:
        token = await client.post(
            "/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": PASSWORD}
        )
        assert token.status_code == 200, token.text
    return Login(email, token.json()["access_token"])


class EventSocket:
    """A client following the protocol: authenticates, answers pings, hands over events."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    @classmethod
    async def open(
        cls, url: str, token: str, last_event_id: UUID | None = None, **options: Any
    ) -> EventSocket:
        connection = await connect(url, **options)
        message: dict[str, str] = {"type": "auth", "token": token}
        if last_event_id is not None:
            message["last_event_id"] = str(last_event_id)
        await connection.send(json.dumps(message))
        socket = cls(connection)
        assert await socket.next_frame() == {"type": "ready"}
        return socket

    async def next_frame(self, timeout: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame: dict[str, Any] = json.loads(await self.connection.recv())
                if frame["type"] != "ping":
                    return frame
                await self.connection.send('{"type":"pong"}')

    async def close_code(self, timeout: float = 10) -> int | None:
        """Reads (answering pings) until the server closes; the code it closed with."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.next_frame(timeout)
        except ConnectionClosed:
            pass
        return self.connection.close_code

    async def close(self) -> None:
        await self.connection.close()
