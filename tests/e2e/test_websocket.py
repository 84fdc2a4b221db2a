"""The WebSocket through the gateway of the whole fleet: a chart created over REST arrives on the socket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.clients import NATAL, eventually_ok, sign_in
from tests.e2e.fleet import Fleet

pytestmark = pytest.mark.e2e


async def test_a_chart_created_over_rest_arrives_on_its_owners_socket_only(fleet: Fleet) -> None:
    socket_url = fleet.gateway.replace("http://", "ws://") + "/api/v1/ws"
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=20) as client:
        ada, bob = await sign_in(client, "ws"), await sign_in(client, "ws")
        await eventually_ok(client, "/api/v1/charts/entitlements", ada)
        async with connect(socket_url) as ada_socket, connect(socket_url) as bob_socket:
            for socket, token in ((ada_socket, ada), (bob_socket, bob)):
                await socket.send(json.dumps({"type": "auth", "token": token}))
                assert json.loads(await socket.recv()) == {"type": "ready"}

            created = await client.post(
                "/api/v1/charts", json=NATAL, headers={"Authorization": f"Bearer {ada}"}
            )
            assert created.status_code == 201, created.text

            frame = await _next_event(ada_socket, timeout=15)
            while frame["type"] != "chart.chart.calculated.v1":  # a quota warning may come first
                frame = await _next_event(ada_socket, timeout=15)
            assert frame["data"]["chart_id"] == created.json()["id"]
            assert frame["occurred_at"].endswith("Z")
            with pytest.raises(TimeoutError):
                await _next_event(bob_socket, timeout=1)


async def _next_event(socket: ClientConnection, timeout: float) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while (frame := json.loads(await socket.recv()))["type"] == "ping":
            await socket.send('{"type":"pong"}')
    result: dict[str, Any] = frame
    return result
