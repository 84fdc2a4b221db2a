"""`/api/v1/ws` against two running gateway replicas, the real auth service and the real broker."""

from __future__ import annotations

import asyncio
import socket
import time
from uuid import UUID, uuid4

import httpx
import pytest
from nocturna_contracts.chart.v1 import ChartCalculated
from nocturna_gateway.websocket.protocol import CloseCode
from nocturna_platform.clock import utc_now
from nocturna_platform.testing.broker_connections import close_connections
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from services.gateway.tests.integration.stack import EventSocket, Producer, Stack, log_in, sign_up

pytestmark = pytest.mark.integration


def chart_calculated(user_id: UUID) -> ChartCalculated:
    return ChartCalculated(
        calculation_id=uuid4(), user_id=user_id, engine="swisseph", calculated_at=utc_now()
    )


async def test_an_event_reaches_its_owner_on_both_replicas_and_nobody_else(
    stack: Stack, producer: Producer
) -> None:
    ada, bob = await sign_up(stack), await sign_up(stack)
    ada_one = await EventSocket.open(stack.socket_url(0), ada.access_token)
    ada_two = await EventSocket.open(stack.socket_url(1), ada.access_token)
    bob_one = await EventSocket.open(stack.socket_url(0), bob.access_token)
    bob_two = await EventSocket.open(stack.socket_url(1), bob.access_token)

    adas = await producer.publish(chart_calculated(ada.user_id))
    bobs = await producer.publish(chart_calculated(bob.user_id))

    for ada_socket in (ada_one, ada_two):
        frame = await ada_socket.next_frame()
        assert frame == {
            "type": "chart.chart.calculated.v1",
            "event_id": str(adas.event_id),
            "occurred_at": adas.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": adas.payload,
        }
    for bob_socket in (bob_one, bob_two):
        # One queue per replica keeps the order: Ada's event, published first, was never sent to Bob.
        assert (await bob_socket.next_frame())["event_id"] == str(bobs.event_id)
    for open_socket in (ada_one, ada_two, bob_one, bob_two):
        await open_socket.close()


async def test_events_published_while_a_replica_reconnects_to_the_broker_reach_its_sockets_once(
    stack: Stack, producer: Producer
) -> None:
    """A broker restart or a network cut: the replica's queue waits for it, so nothing is lost meanwhile, and
    what it had not acknowledged comes again and is dropped as seen."""
    ada = await sign_up(stack)
    socket = await EventSocket.open(stack.socket_url(0), ada.access_token)
    before = await producer.publish(chart_calculated(ada.user_id))
    assert (await socket.next_frame())["event_id"] == str(before.event_id)
    pid = stack.gateway_pids[0]

    closing = asyncio.create_task(
        close_connections(lambda name: name.startswith(stack.run.queue_prefix) and name.endswith(f":{pid}"))
    )
    during = []
    # A steady stream across the cut and the reconnect (1 s later): none may fall into a gap.
    while not closing.done() or len(during) < 60:
        during.append(await producer.publish(chart_calculated(ada.user_id)))
        await asyncio.sleep(0.05)

    assert await closing >= 1
    received = [(await socket.next_frame(timeout=30))["event_id"] for _ in during]
    assert sorted(received) == sorted(str(event.event_id) for event in during)
    with pytest.raises(TimeoutError):
        await socket.next_frame(timeout=1)
    await socket.close()


async def test_a_reconnecting_client_resumes_on_the_other_replica_without_gaps_or_duplicates(
    stack: Stack, producer: Producer
) -> None:
    ada = await sign_up(stack)
    first_socket = await EventSocket.open(stack.socket_url(0), ada.access_token)
    seen = await producer.publish(chart_calculated(ada.user_id))
    assert (await first_socket.next_frame())["event_id"] == str(seen.event_id)
    await first_socket.close()

    missed = [await producer.publish(chart_calculated(ada.user_id)) for _ in range(3)]
    await asyncio.sleep(0.5)  # the replicas buffer them while nobody is connected
    resumed = await EventSocket.open(stack.socket_url(1), ada.access_token, last_event_id=seen.event_id)
    live = await producer.publish(chart_calculated(ada.user_id))

    received = [(await resumed.next_frame())["event_id"] for _ in range(4)]
    assert received == [str(e.event_id) for e in [*missed, live]]
    with pytest.raises(TimeoutError):
        await resumed.next_frame(timeout=0.5)
    await resumed.close()


async def test_a_revoked_session_closes_its_socket_and_only_its_socket(
    stack: Stack, producer: Producer
) -> None:
    ada_phone = await sign_up(stack)
    ada_laptop = await log_in(stack, ada_phone.email)
    phone = await EventSocket.open(stack.socket_url(0), ada_phone.access_token)
    laptop = await EventSocket.open(stack.socket_url(1), ada_laptop.access_token)

    async with httpx.AsyncClient(base_url=stack.auth, timeout=10) as client:
        revoked = await client.delete(
            f"/api/v1/auth/sessions/{ada_phone.session_id}", headers=ada_laptop.headers
        )
    assert revoked.status_code == 204, revoked.text

    assert await phone.close_code(timeout=15) == CloseCode.SESSION_REVOKED
    event = await producer.publish(chart_calculated(ada_laptop.user_id))
    assert (await laptop.next_frame())["event_id"] == str(event.event_id)
    await laptop.close()


async def test_a_socket_that_does_not_authenticate_is_closed_after_the_timeout(
    stack: Stack, producer: Producer
) -> None:
    started = time.monotonic()
    async with connect(stack.socket_url(0)) as connection:
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(connection.recv(), 5)
        assert connection.close_code == CloseCode.AUTH_TIMEOUT
    assert 0.9 < time.monotonic() - started < 4


@pytest.mark.parametrize("token", ["not-a-jwt", "nct_live_unknownkey", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"])
async def test_a_bad_credential_is_closed_with_4401(stack: Stack, token: str) -> None:
    async with connect(stack.socket_url(1)) as connection:
        await connection.send(f'{{"type":"auth","token":"{token}"}}')
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(connection.recv(), 5)
        assert connection.close_code == CloseCode.UNAUTHENTICATED


async def _closed_for_slowness(gateway: str) -> float:
    async with httpx.AsyncClient(timeout=5) as client:
        metrics = (await client.get(f"{gateway}/metrics")).text
    for line in metrics.splitlines():
        if (
            line.startswith("gateway_websocket_closed_total")
            and f'code="{int(CloseCode.SLOW_CONSUMER)}"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_a_client_that_stops_reading_is_dropped(stack: Stack, producer: Producer) -> None:
    ada = await sign_up(stack)
    before = await _closed_for_slowness(stack.gateways[0])
    tiny_buffer = socket.socket()
    tiny_buffer.setsockopt(
        socket.SOL_SOCKET, socket.SO_RCVBUF, 4096
    )  # before connecting: the window stays small
    tiny_buffer.connect(("127.0.0.1", int(stack.gateways[0].rsplit(":", 1)[1])))
    slow = await EventSocket.open(
        stack.socket_url(0), ada.access_token, sock=tiny_buffer, max_queue=1, compression=None
    )
    watcher = await EventSocket.open(stack.socket_url(0), ada.access_token)

    # The slow client reads nothing from here on; the watcher reads everything and must not be affected.
    # Large frames (50 KB each) fill the socket buffers between the gateway and the slow client quickly.
    dropped = False
    for _ in range(30):
        batch = [
            ChartCalculated(
                calculation_id=uuid4(), user_id=ada.user_id, engine="e" * 50_000, calculated_at=utc_now()
            )
            for _ in range(20)
        ]
        await asyncio.gather(*(producer.publish(event) for event in batch))
        for _ in batch:
            await watcher.next_frame()
        if await _closed_for_slowness(stack.gateways[0]) > before:
            dropped = True
            break

    assert dropped, "the slow socket was never dropped"
    assert await slow.close_code(timeout=15) in (CloseCode.SLOW_CONSUMER, 1006)
    ready = await httpx.AsyncClient().get(f"{stack.gateways[0]}/health/ready")
    assert ready.status_code == 200
    await watcher.close()
