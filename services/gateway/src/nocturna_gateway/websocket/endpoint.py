"""`/api/v1/ws` on FastAPI: accepts the socket and hands it to the protocol."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from nocturna_gateway.websocket.connection import SocketClosed
from nocturna_gateway.websocket.session import SocketSessions

WEBSOCKET_PATH = "/api/v1/ws"


class StarletteTransport:
    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    async def receive_text(self) -> str:
        try:
            message = await self._websocket.receive()
        except (WebSocketDisconnect, RuntimeError) as error:
            raise SocketClosed from error
        if message["type"] == "websocket.disconnect":
            raise SocketClosed
        text = message.get("text")
        if text is None:
            return (message.get("bytes") or b"").decode("utf-8", errors="replace")
        return str(text)

    async def send_text(self, text: str) -> None:
        try:
            await self._websocket.send_text(text)
        except (WebSocketDisconnect, RuntimeError, OSError) as error:
            raise SocketClosed from error

    async def close(self, code: int, reason: str) -> None:
        if self._websocket.application_state != WebSocketState.DISCONNECTED:
            await self._websocket.close(code, reason)


def websocket_router(sessions: SocketSessions) -> APIRouter:
    router = APIRouter()

    @router.websocket(WEBSOCKET_PATH)
    async def events(websocket: WebSocket) -> None:
        await websocket.accept()
        await sessions.serve(StarletteTransport(websocket))

    return router
