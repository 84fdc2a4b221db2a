"""The socket protocol end to end over fakes: handshake, fan-out, resume, overflow, heartbeats, revocation."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from nocturna_gateway.websocket.fan_out import EventFanOut
from nocturna_gateway.websocket.hub import ConnectionHub, SocketMetrics
from nocturna_gateway.websocket.protocol import CloseCode, UserEvent
from nocturna_gateway.websocket.session import SessionLimits, SocketSessions
from nocturna_platform.ids import uuid7
from nocturna_platform.security.principal import Principal
from prometheus_client import CollectorRegistry

from services.gateway.tests.fakes import FakeAuthenticator, FakeTransport, InMemoryReplayBuffer, principal


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    replay: InMemoryReplayBuffer = field(default_factory=InMemoryReplayBuffer)
    authenticator: FakeAuthenticator = field(default_factory=FakeAuthenticator)
    monotonic: Clock = field(default_factory=Clock)
    wall: datetime = field(default_factory=lambda: datetime.now(UTC))
    queue_size: int = 8
    jitter: Callable[[], float] = random.random
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.hub = ConnectionHub(
            heartbeat_interval_seconds=10,
            heartbeat_timeout_seconds=30,
            metrics=SocketMetrics(CollectorRegistry()),
            clock=lambda: self.wall,
            monotonic=self.monotonic,
            jitter=self.jitter,
        )
        self.fan_out = EventFanOut(self.hub, self.replay)
        self.sessions = SocketSessions(
            self.authenticator,
            self.hub,
            self.replay,
            SessionLimits(
                auth_timeout_seconds=0.1,
                send_queue_size=self.queue_size,
                max_client_message_bytes=1024,
                close_timeout_seconds=0.5,
            ),
        )

    def open(self) -> FakeTransport:
        transport = FakeTransport()
        self.tasks.append(asyncio.create_task(self.sessions.serve(transport)))
        return transport

    async def connect(self, who: Principal, last_event_id: UUID | None = None) -> FakeTransport:
        transport = self.open()
        message: dict[str, str] = {"type": "auth", "token": self.authenticator.token_for(who)}
        if last_event_id is not None:
            message["last_event_id"] = str(last_event_id)
        transport.client_sends(message)
        await transport.wait_for_frames(1)
        assert transport.frames()[0] == {"type": "ready"}
        return transport


def user_event(user_id: UUID, number: int = 0) -> UserEvent:
    event_id = uuid7()
    frame = json.dumps(
        {
            "type": "chart.chart.calculated.v1",
            "event_id": str(event_id),
            "occurred_at": "2026-01-01T00:00:00Z",
            "data": {"user_id": str(user_id), "n": number},
        }
    )
    return UserEvent(user_id, event_id, frame)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    rig = Rig()
    yield rig
    for task in rig.tasks:
        task.cancel()
    await asyncio.gather(*rig.tasks, return_exceptions=True)


async def test_an_authenticated_socket_gets_ready_then_its_users_events_only(rig: Rig) -> None:
    ada, bob = principal(), principal()
    ada_socket, bob_socket = await rig.connect(ada), await rig.connect(bob)

    event = user_event(ada.subject)
    await rig.fan_out.publish(event)
    frames = await ada_socket.wait_for_frames(2)
    await settle()

    assert frames[1]["event_id"] == str(event.event_id)
    assert frames[1]["type"] == "chart.chart.calculated.v1"
    assert bob_socket.frames() == [{"type": "ready"}]


async def test_a_credential_that_cannot_be_checked_now_closes_with_1013(rig: Rig) -> None:
    rig.authenticator.unreachable = True
    transport = rig.open()
    transport.client_sends({"type": "auth", "token": rig.authenticator.token_for(principal())})

    await asyncio.wait_for(transport.closed.wait(), 1)

    assert transport.close_code == CloseCode.TRY_AGAIN_LATER == 1013
    assert len(rig.hub) == 0


async def test_every_socket_of_the_user_gets_the_event(rig: Rig) -> None:
    ada = principal()
    phone, laptop = await rig.connect(ada), await rig.connect(principal(ada.subject))

    await rig.fan_out.publish(user_event(ada.subject))

    assert len(await phone.wait_for_frames(2)) == 2
    assert len(await laptop.wait_for_frames(2)) == 2


async def test_an_unknown_credential_is_closed_with_4401(rig: Rig) -> None:
    transport = rig.open()
    transport.client_sends({"type": "auth", "token": "forged"})

    await asyncio.wait_for(transport.closed.wait(), 1)

    assert transport.close_code == CloseCode.UNAUTHENTICATED == 4401
    assert transport.sent == []
    assert len(rig.hub) == 0


async def test_a_socket_that_never_authenticates_is_closed_after_the_timeout(rig: Rig) -> None:
    transport = rig.open()

    await asyncio.wait_for(transport.closed.wait(), 1)

    assert transport.close_code == CloseCode.AUTH_TIMEOUT


@pytest.mark.parametrize(
    "first", ["not json", "[]", '{"type": "pong"}', '{"type": "auth"}', '{"type": "auth", "token": ""}']
)
async def test_a_first_message_other_than_auth_is_a_protocol_error(rig: Rig, first: str) -> None:
    transport = rig.open()
    transport.client_sends(first)

    await asyncio.wait_for(transport.closed.wait(), 1)

    assert transport.close_code == CloseCode.PROTOCOL_ERROR


async def test_an_oversized_message_is_a_protocol_error(rig: Rig) -> None:
    transport = rig.open()
    transport.client_sends({"type": "auth", "token": "x" * 2000})

    await asyncio.wait_for(transport.closed.wait(), 1)

    assert transport.close_code == CloseCode.PROTOCOL_ERROR


async def test_a_second_auth_message_is_a_protocol_error(rig: Rig) -> None:
    ada = principal()
    transport = await rig.connect(ada)

    transport.client_sends({"type": "auth", "token": rig.authenticator.token_for(ada)})
    await asyncio.wait_for(transport.closed.wait(), 1)
    await settle()

    assert transport.close_code == CloseCode.PROTOCOL_ERROR
    assert len(rig.hub) == 0


async def test_resume_sends_what_was_missed_then_live_events(rig: Rig) -> None:
    ada = principal()
    missed = [user_event(ada.subject, n) for n in range(4)]
    for event in missed:
        await rig.fan_out.publish(event)

    transport = await rig.connect(ada, last_event_id=missed[1].event_id)
    live = user_event(ada.subject, 9)
    await rig.fan_out.publish(live)
    frames = await transport.wait_for_frames(4)

    assert [frame["event_id"] for frame in frames[1:]] == [
        str(missed[2].event_id),
        str(missed[3].event_id),
        str(live.event_id),
    ]


async def test_an_unknown_last_event_id_replays_the_whole_buffer(rig: Rig) -> None:
    ada = principal()
    missed = [user_event(ada.subject, n) for n in range(2)]
    for event in missed:
        await rig.fan_out.publish(event)

    transport = await rig.connect(ada, last_event_id=uuid7())
    frames = await transport.wait_for_frames(3)

    assert [frame["event_id"] for frame in frames[1:]] == [str(e.event_id) for e in missed]


class RacingReplayBuffer(InMemoryReplayBuffer):
    """An event arrives live while the replay is being read, and the read already contains it."""

    def __init__(self, rig: Rig) -> None:
        super().__init__()
        self.rig = rig
        self.racing: UserEvent | None = None

    async def since(self, user_id: UUID, last_event_id: UUID) -> Sequence[UserEvent]:
        if self.racing is not None:
            await self.rig.fan_out.publish(self.racing)
        return await super().since(user_id, last_event_id)


async def test_an_event_arriving_during_the_replay_is_sent_once() -> None:
    rig = Rig()
    racing_buffer = RacingReplayBuffer(rig)
    rig.replay = racing_buffer
    rig.__post_init__()
    ada = principal()
    first = user_event(ada.subject, 1)
    await rig.fan_out.publish(first)
    racing_buffer.racing = user_event(ada.subject, 2)

    transport = await rig.connect(ada, last_event_id=first.event_id)
    await rig.fan_out.publish(after := user_event(ada.subject, 3))
    frames = await transport.wait_for_frames(3)
    await settle()

    assert [frame.get("event_id") for frame in transport.frames()] == [
        None,
        str(racing_buffer.racing.event_id),
        str(after.event_id),
    ]
    assert frames[0] == {"type": "ready"}
    for task in rig.tasks:
        task.cancel()


async def test_a_client_that_stops_reading_is_closed_when_its_queue_overflows(rig: Rig) -> None:
    ada = principal()
    transport = await rig.connect(ada)
    transport.unblocked.clear()

    for number in range(rig.queue_size + 2):
        await rig.fan_out.publish(user_event(ada.subject, number))
    # Even the close frame cannot be sent: the session still ends once the close times out.
    await asyncio.wait_for(asyncio.gather(*rig.tasks), 2)

    assert transport.close_code == CloseCode.SLOW_CONSUMER
    assert len(rig.hub) == 0
    assert len(transport.sent) == 1


async def test_the_heartbeat_pings_and_a_pong_keeps_the_socket_open(rig: Rig) -> None:
    ada = principal()
    transport = await rig.connect(ada)

    rig.monotonic.now += 20
    rig.hub.beat()
    assert (await transport.wait_for_frames(2))[1] == {"type": "ping"}
    transport.client_sends({"type": "pong"})
    await settle()
    rig.monotonic.now += 20
    rig.hub.beat()
    await transport.wait_for_frames(3)

    assert transport.close_code is None


async def test_a_socket_that_stops_answering_pings_is_closed(rig: Rig) -> None:
    transport = await rig.connect(principal())

    rig.monotonic.now += 31
    rig.hub.beat()
    await asyncio.wait_for(transport.closed.wait(), 1)

    assert transport.close_code == CloseCode.HEARTBEAT_TIMEOUT


async def test_a_socket_is_closed_when_its_access_token_expires(rig: Rig) -> None:
    transport = await rig.connect(principal(expires_in=timedelta(minutes=1)))

    rig.wall += timedelta(minutes=2)
    rig.hub.beat()
    await asyncio.wait_for(transport.closed.wait(), 1)

    assert transport.close_code == CloseCode.UNAUTHENTICATED


async def test_a_revoked_session_closes_only_its_own_sockets(rig: Rig) -> None:
    ada = principal()
    revoked, other_device = await rig.connect(ada), await rig.connect(principal(ada.subject))
    assert ada.session_id is not None

    rig.fan_out.session_revoked(ada.subject, ada.session_id, "logout")
    await asyncio.wait_for(revoked.closed.wait(), 1)
    await settle()

    assert revoked.close_code == CloseCode.SESSION_REVOKED
    assert other_device.close_code is None
    assert len(rig.hub) == 1


async def test_a_session_ended_by_the_accounts_deletion_closes_as_deleted(rig: Rig) -> None:
    """Auth ends the sessions before it announces the deletion: their sockets must already say "stop"."""
    ada = principal()
    socket = await rig.connect(ada)
    assert ada.session_id is not None

    rig.fan_out.session_revoked(ada.subject, ada.session_id, "user_deleted")
    await asyncio.wait_for(socket.closed.wait(), 1)

    assert socket.close_code == CloseCode.USER_DELETED


async def test_a_deleted_user_loses_every_socket_and_the_replay_buffer(rig: Rig) -> None:
    ada, bob = principal(), principal()
    phone, laptop, bobs = (
        await rig.connect(ada),
        await rig.connect(principal(ada.subject)),
        await rig.connect(bob),
    )
    await rig.fan_out.publish(kept := user_event(ada.subject))

    await rig.fan_out.user_deleted(ada.subject)
    await asyncio.wait_for(laptop.closed.wait(), 1)

    assert phone.close_code == laptop.close_code == CloseCode.USER_DELETED
    assert bobs.close_code is None
    assert await rig.replay.since(ada.subject, kept.event_id) == []
    assert await rig.replay.since(ada.subject, uuid4()) == []


async def test_events_are_pushed_live_while_the_replay_buffer_is_down(rig: Rig) -> None:
    ada = principal()
    transport = await rig.connect(ada)
    rig.replay.available = False

    await rig.fan_out.publish(user_event(ada.subject))

    assert len(await transport.wait_for_frames(2)) == 2


async def test_a_disconnected_client_leaves_the_index(rig: Rig) -> None:
    transport = await rig.connect(principal())
    assert len(rig.hub) == 1

    transport.client_disconnects()
    await asyncio.gather(*rig.tasks)

    assert len(rig.hub) == 0


async def test_shutdown_closes_every_socket_with_going_away(rig: Rig) -> None:
    transports = [await rig.connect(principal()) for _ in range(3)]

    await rig.hub.stop()

    assert {t.close_code for t in transports} == {CloseCode.GOING_AWAY}


async def test_pings_are_spread_over_the_interval_not_sent_in_one_burst() -> None:
    turns = iter([0.1, 0.5, 0.9])
    rig = Rig(jitter=lambda: next(turns))
    sockets = [await rig.connect(principal()) for _ in range(3)]

    rig.monotonic.now += 6  # past the first two sockets' turns only
    rig.hub.beat()
    await settle()
    pinged = [len(socket.sent) == 2 for socket in sockets]
    rig.monotonic.now += 4
    rig.hub.beat()
    await settle()

    assert pinged == [True, True, False]
    assert [len(socket.sent) for socket in sockets] == [2, 2, 2]  # once per interval each
    for task in rig.tasks:
        task.cancel()
