"""Runs an app under uvicorn with our logging; returns normally after a graceful SIGTERM/SIGINT shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from nocturna_platform.settings import HttpSettings

# Below Kubernetes' default 30 s grace period, so in-flight requests finish before the SIGKILL.
_GRACEFUL_SHUTDOWN_SECONDS = 25
_SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Server(uvicorn.Server):
    """uvicorn re-raises the captured signal after shutting down, which kills the process before the caller
    can finish its own shutdown; `serve` installs handlers that only ask the server to exit."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _shared_socket(settings: HttpSettings) -> socket.socket:
    """A listening socket other processes of the service can bind too (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


async def serve(app: FastAPI, settings: HttpSettings) -> None:
    """Serve until SIGTERM or SIGINT (a second SIGINT forces exit), then drain requests and run the lifespan
    shutdown. Access lines come from our middleware and client IPs are not taken from proxy headers."""
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        lifespan="on",
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
        timeout_keep_alive=settings.keep_alive_seconds,
        # WebSocket frames here are small JSON: per-message deflate would cost ~50 KiB of zlib state per
        # connection (measured by the gateway benchmark) for little saving.
        ws_per_message_deflate=False,
    )
    server = _Server(config)
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for sig in _SHUTDOWN_SIGNALS:
        try:
            loop.add_signal_handler(sig, server.handle_exit, sig, None)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread, or no signal support: the caller stops the server another way
        installed.append(sig)
    try:
        await server.serve(sockets=[_shared_socket(settings)] if settings.reuse_port else None)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
