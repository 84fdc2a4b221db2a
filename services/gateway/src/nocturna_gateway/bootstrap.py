"""Composition root of the gateway (no database, no domain: routing and edge concerns only)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from nocturna_platform.shell import ServiceShell

from nocturna_gateway.proxy import UpstreamProxy, proxy_router
from nocturna_gateway.routing import RouteTable
from nocturna_gateway.settings import GatewaySettings


class GatewayService:
    def __init__(self, settings: GatewaySettings | None = None) -> None:
        settings = settings or GatewaySettings()
        self.shell = shell = ServiceShell(settings, uses_broker=False)
        proxy = settings.proxy
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(proxy.read_timeout_seconds, connect=proxy.connect_timeout_seconds),
            limits=httpx.Limits(
                max_connections=proxy.max_connections,
                max_keepalive_connections=proxy.max_keepalive_connections,
            ),
            follow_redirects=False,
        )
        shell.on_stop(self.client.aclose)
        self.proxy = UpstreamProxy(self.client, RouteTable.from_settings(settings.upstreams))
        self.app: FastAPI = shell.create_app(
            title="Nocturna gateway", version="1.0.0", routers=[proxy_router(self.proxy)]
        )
