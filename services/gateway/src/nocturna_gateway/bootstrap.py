"""Composition root of the gateway (no database, no domain: routing and edge concerns only)."""

from __future__ import annotations

import gc
import math

import httpx
from fastapi import FastAPI
from nocturna_platform.shell import ServiceShell

from nocturna_gateway.consumers.instance_queue import InstanceQueue
from nocturna_gateway.edge_composition import EdgeAuthentication
from nocturna_gateway.proxy import UpstreamProxy, proxy_router
from nocturna_gateway.routing import RouteTable
from nocturna_gateway.settings import GatewaySettings
from nocturna_gateway.websocket.credentials import CredentialAuthenticator
from nocturna_gateway.websocket.endpoint import websocket_router
from nocturna_gateway.websocket.fan_out import EventFanOut
from nocturna_gateway.websocket.hub import ConnectionHub, SocketMetrics
from nocturna_gateway.websocket.replay import RedisReplayBuffer
from nocturna_gateway.websocket.session import SessionLimits, SocketSessions


class GatewayService:
    def __init__(self, settings: GatewaySettings | None = None) -> None:
        settings = settings or GatewaySettings()
        self.shell = shell = ServiceShell(settings)
        proxy = settings.proxy
        limits = httpx.Limits(
            max_connections=math.ceil(proxy.max_connections / proxy.pools),
            max_keepalive_connections=math.ceil(proxy.max_keepalive_connections / proxy.pools),
        )
        self.clients = [
            httpx.AsyncClient(
                timeout=httpx.Timeout(proxy.read_timeout_seconds, connect=proxy.connect_timeout_seconds),
                limits=limits,
                follow_redirects=False,
            )
            for _ in range(proxy.pools)
        ]
        for client in self.clients:
            shell.on_stop(client.aclose)
        self.proxy = UpstreamProxy(self.clients, RouteTable.from_settings(settings.upstreams))
        self.edge = EdgeAuthentication.build(shell, settings)
        self.app: FastAPI = shell.create_app(
            title="Nocturna gateway",
            version="1.0.0",
            routers=[proxy_router(self.proxy)],
            middleware=[self.edge.middleware()],
        )
        self.edge.install(self.app)
        self._compose_websocket(settings)

    def _compose_websocket(self, settings: GatewaySettings) -> None:
        ws, shell = settings.websocket, self.shell
        assert shell.messaging is not None
        self.hub = ConnectionHub(
            heartbeat_interval_seconds=ws.heartbeat_interval_seconds,
            heartbeat_timeout_seconds=ws.heartbeat_timeout_seconds,
            metrics=SocketMetrics(shell.metrics.registry),
            clock=shell.clock,
        )
        replay = RedisReplayBuffer(
            shell.redis,
            settings.redis_key_prefix,
            max_events=ws.replay_max_events,
            max_age_seconds=ws.replay_max_age_seconds,
        )
        self.instance_queue = InstanceQueue(shell.messaging, EventFanOut(self.hub, replay), ws)
        self.authenticator: CredentialAuthenticator = self.edge.authenticator
        limits = SessionLimits(
            auth_timeout_seconds=ws.auth_timeout_seconds,
            send_queue_size=ws.send_queue_size,
            max_client_message_bytes=ws.max_client_message_bytes,
            close_timeout_seconds=ws.close_timeout_seconds,
        )
        self.app.include_router(
            websocket_router(SocketSessions(self.authenticator, self.hub, replay, limits))
        )
        shell.on_start(self.instance_queue.bind_all)
        shell.on_start(self._start_heartbeat)
        shell.on_start(_freeze_startup_objects)
        shell.on_stop(self.hub.stop)

    async def _start_heartbeat(self) -> None:
        self.hub.start()


async def _freeze_startup_objects() -> None:
    """Modules, classes and the app's wiring live as long as the process: frozen out of the collector's reach,
    a full collection scans only what came later. Without it one full collection over the ~170k startup
    objects paused event delivery to every socket for ~0.5 s (see the README's benchmark figures)."""
    gc.collect()
    gc.freeze()
