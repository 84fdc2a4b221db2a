"""The WebSocket through the gateway of the whole fleet: a chart created over REST arrives on the socket."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.clients import NATAL, eventually_ok, sign_in
from tests.e2e.fleet import Fleet
from tests.e2e.sockets import event_socket

pytestmark = pytest.mark.e2e


async def test_a_chart_created_over_rest_arrives_on_its_owners_socket_only(fleet: Fleet) -> None:
    async with httpx.AsyncClient(base_url=fleet.gateway, timeout=20) as client:
        ada, bob = await sign_in(client, "ws"), await sign_in(client, "ws")
        await eventually_ok(client, "/api/v1/charts/entitlements", ada)
        async with (
            event_socket(fleet.gateway, ada) as ada_socket,
            event_socket(fleet.gateway, bob) as bob_socket,
        ):
            created = await client.post(
                "/api/v1/charts", json=NATAL, headers={"Authorization": f"Bearer {ada}"}
            )
            assert created.status_code == 201, created.text

            # A quota warning may come first.
            frame = await ada_socket.wait_for("chart.chart.calculated.v1", timeout=15)
            assert frame["data"]["chart_id"] == created.json()["id"]
            assert frame["occurred_at"].endswith("Z")
            with pytest.raises(TimeoutError):
                await bob_socket.next_event(timeout=1)
