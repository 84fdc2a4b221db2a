"""The sockets of this process indexed by user, so fan-out costs one dictionary lookup per event."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from prometheus_client import CollectorRegistry, Counter, Gauge

from nocturna_gateway.websocket.connection import ClientConnection
from nocturna_gateway.websocket.protocol import PING, CloseCode, UserEvent


class SocketMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.connections = Gauge(
            "gateway_websocket_connections", "Authenticated WebSocket connections", registry=registry
        )
        self.closed = Counter(
            "gateway_websocket_closed",
            "WebSocket connections closed by the gateway",
            ["code"],
            registry=registry,
        )
        self.delivered = Counter(
            "gateway_websocket_events_delivered", "Events queued to a socket", registry=registry
        )


class ConnectionHub:
    """Every authenticated socket by user id; one task pings each socket once per interval (ticking every
    second at most, the sockets' turns spread over the interval) and closes the silent ones."""

    def __init__(
        self,
        *,
        heartbeat_interval_seconds: float,
        heartbeat_timeout_seconds: float,
        metrics: SocketMetrics,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._by_user: defaultdict[UUID, set[ClientConnection]] = defaultdict(set)
        self._interval = heartbeat_interval_seconds
        self._timeout = heartbeat_timeout_seconds
        self._metrics = metrics
        self._clock = clock
        self.monotonic = monotonic
        self._jitter = jitter
        self._tick = min(1.0, heartbeat_interval_seconds / 4)
        self._heartbeat: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return sum(len(connections) for connections in self._by_user.values())

    def add(self, connection: ClientConnection) -> None:
        # A random first ping spreads the pings of sockets that connected together (after a deploy) over
        # the interval, instead of sending thousands in one burst that stalls event delivery.
        connection.next_ping_at = self.monotonic() + self._jitter() * self._interval
        self._by_user[connection.user_id].add(connection)
        self._metrics.connections.inc()

    def remove(self, connection: ClientConnection) -> None:
        connections = self._by_user.get(connection.user_id)
        if connections is None or connection not in connections:
            return
        connections.discard(connection)
        if not connections:
            del self._by_user[connection.user_id]
        self._metrics.connections.dec()
        if connection.close_code is not None:
            self._metrics.closed.labels(str(int(connection.close_code))).inc()

    def deliver(self, event: UserEvent) -> None:
        for connection in self._by_user.get(event.user_id, ()):
            connection.offer(event)
            self._metrics.delivered.inc()

    def end_session(
        self, user_id: UUID, session_id: UUID, code: CloseCode = CloseCode.SESSION_REVOKED
    ) -> None:
        for connection in list(self._by_user.get(user_id, ())):
            if connection.session_id == session_id:
                connection.close_soon(code, "session revoked")

    def end_user(self, user_id: UUID) -> None:
        for connection in list(self._by_user.get(user_id, ())):
            connection.close_soon(CloseCode.USER_DELETED, "user deleted")

    def beat(self) -> None:
        """One tick: close sockets silent for too long or whose token expired, ping those due."""
        now, wall = self.monotonic(), self._clock()
        for connections in list(self._by_user.values()):
            for connection in list(connections):
                if now - connection.last_pong_at > self._timeout:
                    connection.close_soon(CloseCode.HEARTBEAT_TIMEOUT, "no pong")
                elif connection.principal.expires_at <= wall:
                    connection.close_soon(CloseCode.UNAUTHENTICATED, "token expired")
                elif now >= connection.next_ping_at:
                    connection.next_ping_at = now + self._interval
                    connection.offer(PING)

    def start(self) -> None:
        self._heartbeat = asyncio.create_task(self._beat_forever(), name="ws-heartbeat")

    async def stop(self) -> None:
        """Stop pinging and close every socket with 1001 so clients reconnect to another replica."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        connections = [c for group in self._by_user.values() for c in group]
        await asyncio.gather(
            *(c.close(CloseCode.GOING_AWAY, "gateway shutting down") for c in connections),
            return_exceptions=True,
        )

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._tick)
            self.beat()
