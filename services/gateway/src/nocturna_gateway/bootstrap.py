"""Composition root of the gateway (no database, no domain: routing and edge concerns only)."""

from __future__ import annotations

import math

import httpx
from fastapi import FastAPI
from nocturna_platform.shell import ServiceShell

from nocturna_gateway.edge_composition import EdgeAuthentication
from nocturna_gateway.proxy import UpstreamProxy, proxy_router
from nocturna_gateway.routing import RouteTable
from nocturna_gateway.settings import GatewaySettings


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
