"""Gateway WebSocket: idle sockets held by one gateway process (and the memory each costs), then event →
socket delivery latency with many clients connected. The gateway runs as a real process; events go through
the real broker into its instance queue; tokens are signed by a key whose JWKS this process serves."""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from time import perf_counter
from uuid import UUID, uuid4

import aio_pika
import httpx
import uvloop
from nocturna_contracts.chart.v1 import ChartCalculated
from nocturna_contracts.envelope import Envelope
from nocturna_platform.clock import utc_now
from nocturna_platform.ids import uuid7
from nocturna_platform.security.signing import SigningKey
from nocturna_platform.settings import TokenVerificationSettings
from nocturna_platform.testing.service_processes import free_port, running_services
from nocturna_platform.testing.tokens import access_token, serving_jwks
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.report import milliseconds, percentile, verdict

TARGET_P99_SECONDS = 0.050
ISSUER = "http://bench.gateway"
AUDIENCE = "nocturna"
TOKENS = TokenVerificationSettings(issuer=ISSUER, audience=AUDIENCE)
CONNECT_CONCURRENCY = 50
WARMUP_EVENTS = 50
IDLE_HOLD_SECONDS = 25.0
"""Longer than the deployed heartbeat interval (20 s): every idle socket answers at least one ping."""


class Client:
    """One connected user: answers pings, stamps each event's arrival."""

    def __init__(self, user_id: UUID, connection: ClientConnection, arrivals: dict[UUID, float]) -> None:
        self.user_id = user_id
        self.connection = connection
        self.closed_by_server: int | None = None
        self._arrivals = arrivals
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for text in self.connection:
                frame = json.loads(text)
                if frame["type"] == "ping":
                    await self.connection.send('{"type":"pong"}')
                elif "event_id" in frame:
                    self._arrivals[UUID(frame["event_id"])] = perf_counter()
        except ConnectionClosed:
            pass
        self.closed_by_server = self.connection.close_code

    async def close(self) -> None:
        await self.connection.close()
        await self.reader


async def _open_clients(
    url: str, key: SigningKey, count: int, arrivals: dict[UUID, float]
) -> tuple[list[Client], float]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one() -> Client:
        user_id = uuid4()
        token = access_token(key, TOKENS, subject=user_id, ttl=timedelta(minutes=30))
        async with gate:
            connection = await connect(url, open_timeout=30, ping_interval=None)
            await connection.send(json.dumps({"type": "auth", "token": token}))
            ready = json.loads(await connection.recv())
        assert ready == {"type": "ready"}, ready
        return Client(user_id, connection, arrivals)

    started = perf_counter()
    clients = await asyncio.gather(*(open_one() for _ in range(count)))
    return list(clients), perf_counter() - started


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _connections_metric(gateway: str) -> float:
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"{gateway}/metrics")).text
    for line in text.splitlines():
        if line.startswith("gateway_websocket_connections "):
            return float(line.split()[1])
    return -1.0


async def _measure(
    gateway: str,
    pid: int,
    key: SigningKey,
    amqp_url: str,
    exchange: str,
    idle: int,
    clients: int,
    events: int,
    rate: float,
) -> None:
    url = gateway.replace("http://", "ws://") + "/api/v1/ws"
    arrivals: dict[UUID, float] = {}
    warm, _ = await _open_clients(url, key, 20, arrivals)
    for client in warm:
        await client.close()
    await asyncio.sleep(1)
    baseline = _rss_bytes(pid)

    sockets, took = await _open_clients(url, key, idle, arrivals)
    await asyncio.sleep(1)
    held = _rss_bytes(pid)
    print(f"idle:      {idle:,} sockets authenticated in {took:.1f} s ({idle / took:,.0f}/s)")
    print(
        f"memory:    gateway RSS {baseline / 2**20:.0f} → {held / 2**20:.0f} MiB: "
        f"{(held - baseline) / idle / 1024:.1f} KiB per idle connection"
    )
    idle_cpu = _cpu_seconds(pid)
    await asyncio.sleep(IDLE_HOLD_SECONDS)
    idle_cpu = (_cpu_seconds(pid) - idle_cpu) / IDLE_HOLD_SECONDS
    alive = sum(1 for client in sockets if client.closed_by_server is None)
    print(
        f"           held {IDLE_HOLD_SECONDS:g} s (heartbeats): {alive:,} of {idle:,} open, gateway counts "
        f"{await _connections_metric(gateway):,.0f}, using {idle_cpu:.1%} of a core while idle"
    )

    for client in sockets[clients:]:
        await client.close()
    live = sockets[:clients]
    await asyncio.sleep(1)
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        target = await channel.get_exchange(exchange)
        published: dict[UUID, float] = {}
        cpu_before = _cpu_seconds(pid)
        started = perf_counter()
        for number in range(WARMUP_EVENTS + events):
            await asyncio.sleep(max(started + number / rate - perf_counter(), 0))
            user = random.choice(live).user_id  # noqa: S311 - load spread, not a secret
            event = ChartCalculated(
                calculation_id=uuid4(), user_id=user, engine="swisseph", calculated_at=utc_now()
            )
            envelope = Envelope.wrap(event, event_id=uuid7(), occurred_at=utc_now())
            body = envelope.model_dump_json().encode()
            published[envelope.event_id] = perf_counter()
            await target.publish(
                aio_pika.Message(body, message_id=str(envelope.event_id), content_type="application/json"),
                routing_key=envelope.event_type,
            )
        deadline = perf_counter() + 10
        while len(arrivals) < len(published) and perf_counter() < deadline:
            await asyncio.sleep(0.05)
        cpu_per_event = (_cpu_seconds(pid) - cpu_before) / len(published)
    finally:
        await connection.close()
    measured = list(published.items())[WARMUP_EVENTS:]
    latencies = [arrivals[event_id] - at for event_id, at in measured if event_id in arrivals]
    lost = len(measured) - len(latencies)
    print(
        f"latency:   {milliseconds(latencies)} — {events:,} events at {rate:g}/s to random users of "
        f"{clients:,} connected clients; {lost} not delivered"
    )
    print(
        f"           gateway CPU per event (consume, replay buffer write, fan-out, send): {cpu_per_event * 1000:.2f} ms"
    )
    p99 = percentile(latencies, 99)
    print(
        f"           p99 target ≤ {TARGET_P99_SECONDS * 1000:.0f} ms: {verdict(p99, TARGET_P99_SECONDS, at_most=True)}"
    )
    for client in live:
        await client.close()


def run(env: Mapping[str, str], idle: int, clients: int, events: int, rate: float) -> None:
    print(
        f"\n== Gateway WebSocket: {idle:,} idle sockets on one process, then event → socket latency with "
        f"{clients:,} clients =="
    )
    key = SigningKey.generate()
    port = free_port()
    logs = Path(tempfile.mkdtemp(prefix="nocturna-bench-ws-"))
    with serving_jwks(key) as jwks_url:
        gateway_env = {
            **env,
            "TOKENS__JWKS_URL": jwks_url,
            "TOKENS__ISSUER": ISSUER,
            "TOKENS__AUDIENCE": AUDIENCE,
            "LOG__LEVEL": "WARNING",
        }
        with running_services({"gateway": port}, gateway_env, logs) as processes:
            uvloop.run(
                _measure(
                    f"http://127.0.0.1:{port}",
                    processes["gateway"].pid,
                    key,
                    env["AMQP_URL"],
                    env["MESSAGING__EXCHANGE"],
                    idle,
                    clients,
                    events,
                    rate,
                )
            )
    print(
        f"           the clients and the publisher run in this process and share the machine's "
        f"{os.cpu_count()} cores with the gateway, RabbitMQ and Redis; deployed settings (heartbeat every 20 s)"
    )
