"""Fakes of the WebSocket ports: a socket driven by the test, a replay buffer in memory, an authenticator."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from nocturna_gateway.websocket.connection import SocketClosed
from nocturna_gateway.websocket.protocol import UserEvent
from nocturna_platform.security.principal import Principal


class FakeTransport:
    """The client side is the test: it queues messages for the server and reads what the server sent.
    With `blocked` set, `send_text` waits like a socket whose peer stopped reading."""

    def __init__(self) -> None:
        self._incoming: asyncio.Queue[str | None] = asyncio.Queue()
        self.sent: list[str] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self.closed = asyncio.Event()
        self.unblocked = asyncio.Event()
        self.unblocked.set()
        self.changed = asyncio.Event()

    def client_sends(self, message: dict[str, Any] | str) -> None:
        self._incoming.put_nowait(message if isinstance(message, str) else json.dumps(message))

    def client_disconnects(self) -> None:
        self._incoming.put_nowait(None)

    def frames(self) -> list[dict[str, Any]]:
        return [json.loads(text) for text in self.sent]

    async def receive_text(self) -> str:
        receiving = asyncio.ensure_future(self._incoming.get())
        closing = asyncio.ensure_future(self.closed.wait())
        await asyncio.wait({receiving, closing}, return_when=asyncio.FIRST_COMPLETED)
        closing.cancel()
        if not receiving.done():
            receiving.cancel()
            raise SocketClosed
        text = receiving.result()
        if text is None:
            raise SocketClosed
        return text

    async def send_text(self, text: str) -> None:
        if self.closed.is_set():
            raise SocketClosed
        await self.unblocked.wait()
        self.sent.append(text)
        self.changed.set()

    async def close(self, code: int, reason: str) -> None:
        """Records the attempt at once; a blocked socket cannot send the close frame either."""
        self.close_code, self.close_reason = code, reason
        await self.unblocked.wait()
        self.closed.set()
        self.changed.set()

    async def wait_for_frames(self, count: int, timeout: float = 2.0) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while len(self.sent) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.frames()


class InMemoryReplayBuffer:
    def __init__(self, max_events: int = 100) -> None:
        self._events: defaultdict[UUID, list[UserEvent]] = defaultdict(list)
        self._max_events = max_events
        self.available = True

    async def append(self, event: UserEvent) -> None:
        self._check()
        events = self._events[event.user_id]
        if any(kept.event_id == event.event_id for kept in events):
            return
        events.append(event)
        del events[: -self._max_events]

    async def since(self, user_id: UUID, last_event_id: UUID) -> Sequence[UserEvent]:
        self._check()
        events = self._events.get(user_id, [])
        ids = [event.event_id for event in events]
        return list(events[ids.index(last_event_id) + 1 :] if last_event_id in ids else events)

    async def forget(self, user_id: UUID) -> None:
        self._check()
        self._events.pop(user_id, None)

    def _check(self) -> None:
        if not self.available:
            raise ConnectionError("redis down")


def principal(
    user_id: UUID | None = None, session_id: UUID | None = None, expires_in: timedelta = timedelta(minutes=15)
) -> Principal:
    return Principal(
        subject=user_id or uuid4(),
        session_id=session_id or uuid4(),
        roles=frozenset({"user"}),
        scopes=frozenset(),
        token_id=uuid4().hex,
        expires_at=datetime.now(UTC) + expires_in,
    )


class FakeAuthenticator:
    """Knows the tokens it was told about."""

    def __init__(self) -> None:
        self.principals: dict[str, Principal] = {}

    def token_for(self, who: Principal) -> str:
        token = f"token-{uuid4().hex}"
        self.principals[token] = who
        return token

    async def authenticate_credential(self, token: str) -> Principal:
        try:
            return self.principals[token]
        except KeyError:
            raise PermissionError("unknown token") from None
