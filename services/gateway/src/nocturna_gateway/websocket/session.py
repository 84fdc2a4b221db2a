"""One socket's life: authenticate within the timeout, resume from the replay buffer, then live events."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from nocturna_gateway.websocket.connection import ClientConnection, SocketClosed, Transport
from nocturna_gateway.websocket.credentials import CredentialAuthenticator
from nocturna_gateway.websocket.hub import ConnectionHub
from nocturna_gateway.websocket.protocol import (
    READY,
    AuthMessage,
    CloseCode,
    PongMessage,
    ProtocolError,
    parse_client_message,
)
from nocturna_gateway.websocket.replay import ReplayBuffer

logger = logging.getLogger("nocturna.gateway.websocket")


@dataclass(frozen=True)
class SessionLimits:
    auth_timeout_seconds: float
    send_queue_size: int
    max_client_message_bytes: int
    close_timeout_seconds: float


class SocketSessions:
    """Runs the protocol of every accepted socket until it closes (see the gateway README)."""

    def __init__(
        self,
        authenticator: CredentialAuthenticator,
        hub: ConnectionHub,
        replay: ReplayBuffer,
        limits: SessionLimits,
    ) -> None:
        self._authenticator = authenticator
        self._hub = hub
        self._replay = replay
        self._limits = limits

    async def serve(self, transport: Transport) -> None:
        try:
            auth = await self._first_message(transport)
        except SocketClosed:
            return
        except TimeoutError:
            await _close(transport, CloseCode.AUTH_TIMEOUT, "no auth message in time")
            return
        except ProtocolError as error:
            await _close(transport, CloseCode.PROTOCOL_ERROR, str(error))
            return
        try:
            principal = await self._authenticator.authenticate_credential(auth.token)
        except Exception as error:
            logger.info("socket authentication failed: %r", error)
            # The authenticator's refusals name their close code: 1013 when the check itself was impossible.
            unavailable = getattr(error, "close_code", None) == CloseCode.TRY_AGAIN_LATER
            code = CloseCode.TRY_AGAIN_LATER if unavailable else CloseCode.UNAUTHENTICATED
            await _close(transport, code, "try again later" if unavailable else "authentication failed")
            return
        connection = ClientConnection(
            principal,
            transport,
            queue_size=self._limits.send_queue_size,
            close_timeout_seconds=self._limits.close_timeout_seconds,
            monotonic=self._hub.monotonic,
        )
        # Registered before the replay is read: an event arriving meanwhile waits in the queue, and the
        # sender drops the ones the replay already sent, so nothing is missed and nothing comes twice.
        self._hub.add(connection)
        try:
            await self._start(connection, auth)
            async with connection.reading():
                await self._read_until_closed(connection)
        except SocketClosed:
            pass
        finally:
            self._hub.remove(connection)
            await connection.stop_sending()

    async def _first_message(self, transport: Transport) -> AuthMessage:
        async with asyncio.timeout(self._limits.auth_timeout_seconds):
            text = await transport.receive_text()
        message = self._parse(text)
        if not isinstance(message, AuthMessage):
            raise ProtocolError("the first message must be auth")
        return message

    async def _start(self, connection: ClientConnection, auth: AuthMessage) -> None:
        await connection.transport.send_text(READY)
        replayed = []
        if auth.last_event_id is not None:
            try:
                replayed = list(await self._replay.since(connection.user_id, auth.last_event_id))
            except Exception:
                logger.warning("replay buffer unavailable; the socket starts with live events", exc_info=True)
            for event in replayed:
                await connection.transport.send_text(event.frame)
        connection.start_sending(event.event_id for event in replayed)

    async def _read_until_closed(self, connection: ClientConnection) -> None:
        while connection.close_code is None:
            text = await connection.transport.receive_text()
            try:
                message = self._parse(text)
            except ProtocolError as error:
                await connection.close(CloseCode.PROTOCOL_ERROR, str(error))
                return
            if isinstance(message, PongMessage):
                connection.last_pong_at = self._hub.monotonic()
            else:
                await connection.close(CloseCode.PROTOCOL_ERROR, "already authenticated")
                return

    def _parse(self, text: str) -> AuthMessage | PongMessage:
        if len(text) > self._limits.max_client_message_bytes:
            raise ProtocolError("message too large")
        return parse_client_message(text)


async def _close(transport: Transport, code: CloseCode, reason: str) -> None:
    try:
        await transport.close(code, reason)
    except Exception:
        logger.debug("closing a socket failed", exc_info=True)
