"""The gateway's WebSocket as a client app uses it: authenticate, answer pings, wait for an event or the close."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


class EventSocket:
    """An authenticated socket; `seen` keeps every event received, in order, for assertions afterwards."""

    def __init__(self, connection: ClientConnection) -> None:
        self._connection = connection
        self.seen: list[dict[str, Any]] = []

    async def next_event(self, timeout: float) -> dict[str, Any]:
        """The next event frame; heartbeats are answered on the way."""
        async with asyncio.timeout(timeout):
            while (frame := json.loads(await self._connection.recv()))["type"] == "ping":
                await self._connection.send('{"type":"pong"}')
        event: dict[str, Any] = frame
        self.seen.append(event)
        return event

    async def wait_for(
        self,
        event_type: str,
        where: Callable[[dict[str, Any]], bool] = lambda data: True,
        timeout: float = 20,
    ) -> dict[str, Any]:
        """The first event of `event_type` whose `data` satisfies `where`; other events are passed over."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.next_event(timeout)
                if frame["type"] == event_type and where(frame["data"]):
                    return frame

    async def close_code(self, timeout: float = 20) -> int | None:
        """Read until the gateway closes the socket; the close code it sent."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.next_event(timeout)
        except ConnectionClosed:
            return self._connection.close_code


@asynccontextmanager
async def event_socket(gateway: str, token: str) -> AsyncIterator[EventSocket]:
    """A socket to `/api/v1/ws` authenticated with an access token or API key, once the gateway said ready."""
    async with connect(gateway.replace("http://", "ws://", 1) + "/api/v1/ws") as connection:
        await connection.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(await asyncio.wait_for(connection.recv(), timeout=20))
        assert ready == {"type": "ready"}, ready
        yield EventSocket(connection)
