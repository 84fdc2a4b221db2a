"""One authenticated socket: its principal, its bounded send queue and the task draining it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Protocol
from uuid import UUID

from nocturna_platform.security.principal import Principal

from nocturna_gateway.websocket.protocol import CloseCode, UserEvent

logger = logging.getLogger("nocturna.gateway.websocket")


class SocketClosed(Exception):
    """The peer went away while the gateway was reading or writing."""


class Transport(Protocol):
    """The socket as the protocol needs it; the FastAPI WebSocket adapter and test fakes implement it."""

    async def receive_text(self) -> str:
        """The next text message; raises `SocketClosed` once the peer disconnected."""
        ...

    async def send_text(self, text: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


class ClientConnection:
    """Frames are queued without waiting and sent by one task; a full queue means the client reads too
    slowly, so the socket is closed (4429) instead of letting the gateway's memory grow."""

    def __init__(
        self,
        principal: Principal,
        transport: Transport,
        *,
        queue_size: int,
        close_timeout_seconds: float,
        monotonic: Callable[[], float],
    ) -> None:
        self.principal = principal
        self.transport = transport
        self.last_pong_at = monotonic()
        self.next_ping_at = self.last_pong_at
        self.close_code: CloseCode | None = None
        self._queue: asyncio.Queue[UserEvent | str] = asyncio.Queue(queue_size)
        self._close_timeout = close_timeout_seconds
        self._sender: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self._skip: frozenset[UUID] = frozenset()
        self._reading: asyncio.Timeout | None = None
        self.closed = asyncio.Event()

    @property
    def user_id(self) -> UUID:
        return self.principal.subject

    @property
    def session_id(self) -> UUID | None:
        return self.principal.session_id

    def offer(self, item: UserEvent | str) -> None:
        """Queue an event or a control frame; never waits."""
        if self.close_code is not None or self._closing is not None:
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.close_soon(CloseCode.SLOW_CONSUMER, "send queue overflow")

    def start_sending(self, already_sent: Iterable[UUID] = ()) -> None:
        """Drain the queue from now on, dropping events the replay already sent."""
        self._skip = frozenset(already_sent)
        self._sender = asyncio.create_task(self._send_queued(), name="ws-sender")

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        """The block reading client messages; closing the connection ends it, even when the close handshake
        cannot be sent because the client stopped reading (the server's receive would then never return)."""
        try:
            async with asyncio.timeout(None) as self._reading:
                yield
        except TimeoutError:
            if self.close_code is None:
                raise
        finally:
            self._reading = None

    def close_soon(self, code: CloseCode, reason: str) -> None:
        """Close from synchronous code (fan-out, heartbeat) without blocking it."""
        if self.close_code is None and self._closing is None:
            self._closing = asyncio.create_task(self.close(code, reason), name="ws-close")

    async def close(self, code: CloseCode, reason: str) -> None:
        if self.close_code is not None:
            return
        self.close_code = code
        await self.stop_sending()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self._close_timeout):
                await self.transport.close(code, reason)
        self.closed.set()
        if self._reading is not None:
            self._reading.reschedule(asyncio.get_running_loop().time())

    async def stop_sending(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None and sender is not asyncio.current_task():
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender

    async def _send_queued(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                if isinstance(item, UserEvent):
                    if item.event_id in self._skip:
                        continue
                    await self.transport.send_text(item.frame)
                else:
                    await self.transport.send_text(item)
        except SocketClosed:
            return
        except Exception:
            logger.warning("sending on a socket failed", exc_info=True)
