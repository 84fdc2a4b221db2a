"""Composition root of the gateway (no database, no domain: routing and edge concerns only)."""

from __future__ import annotations

import gc
import math
import time

import httpx
import redis.asyncio as aioredis
from fastapi import FastAPI
from nocturna_platform.http.app import OPERATIONAL_PATHS
from nocturna_platform.resilience.breaker import CircuitBreaker
from nocturna_platform.shell import ServiceShell
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from nocturna_gateway.api_docs.catalog import OpenApiCatalog
from nocturna_gateway.api_docs.routes import api_docs_router
from nocturna_gateway.consumers.instance_queue import InstanceQueue
from nocturna_gateway.edge.public_routes import PublicRoutes
from nocturna_gateway.edge_composition import EdgeAuthentication
from nocturna_gateway.proxy import UpstreamProxy, proxy_router
from nocturna_gateway.rate_limiting import plan_limits
from nocturna_gateway.rate_limiting.middleware import RateLimitMetrics, RateLimitMiddleware
from nocturna_gateway.rate_limiting.redis_limiter import RateLimitKeys, RedisRateLimiter
from nocturna_gateway.resilience.upstream_calls import UpstreamCalls, UpstreamMetrics
from nocturna_gateway.routing import RouteTable
from nocturna_gateway.security_headers import SecurityHeadersMiddleware
from nocturna_gateway.settings import GatewaySettings
from nocturna_gateway.websocket.credentials import CredentialAuthenticator
from nocturna_gateway.websocket.endpoint import websocket_router
from nocturna_gateway.websocket.fan_out import EventFanOut
from nocturna_gateway.websocket.hub import ConnectionHub, SocketMetrics
from nocturna_gateway.websocket.replay import RedisReplayBuffer
from nocturna_gateway.websocket.session import SessionLimits, SocketSessions

VERSION = "1.0.0"
EXPOSED_HEADERS = [
    "X-Request-ID",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
]


class GatewayService:
    def __init__(self, settings: GatewaySettings | None = None) -> None:
        settings = settings or GatewaySettings()
        self.shell = shell = ServiceShell(settings)
        proxy = settings.proxy
        limits = httpx.Limits(
            max_connections=math.ceil(proxy.max_connections / proxy.pools),
            max_keepalive_connections=math.ceil(proxy.max_keepalive_connections / proxy.pools),
            keepalive_expiry=proxy.keepalive_expiry_seconds,
        )
        self.clients = [httpx.AsyncClient(limits=limits, follow_redirects=False) for _ in range(proxy.pools)]
        for client in self.clients:
            shell.on_stop(client.aclose)
        routes = RouteTable.from_settings(settings.upstreams)
        self.upstream_calls = UpstreamCalls(
            routes.upstreams,
            settings.resilience,
            proxy,
            time.monotonic,
            UpstreamMetrics(shell.metrics.registry),
        )
        self.proxy = UpstreamProxy(self.clients, routes, self.upstream_calls, settings.http.trusted_proxies)

        self.catalog = self._openapi_catalog(settings, routes)
        self.rate_limiter = self._rate_limiter(settings)
        assert shell.messaging is not None
        plan_limits.subscribe(shell.messaging.subscriptions, self.rate_limiter)
        self.edge = EdgeAuthentication.build(shell, settings, self.rate_limiter.erase_plan)
        self.app: FastAPI = shell.create_app(
            title="Nocturna gateway",
            version=VERSION,
            routers=[api_docs_router(self.catalog, VERSION), proxy_router(self.proxy)],
            # Authentication first: the rate limiter counts by the principal it finds.
            middleware=[self.edge.middleware(), *self._rate_limit_middleware(settings)],
            docs_ui=False,
        )
        self.edge.install(self.app)
        self._compose_websocket(settings)
        # Outside the shell's own middleware, so error answers (413, 500) carry them too; headers outermost.
        cors = settings.cors
        self.app.add_middleware(
            CORSMiddleware,
            allow_origins=cors.allowed_origins,
            allow_credentials=cors.allow_credentials and "*" not in cors.allowed_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
            allow_headers=cors.allowed_headers,
            expose_headers=EXPOSED_HEADERS,
            max_age=cors.max_age_seconds,
        )
        self.app.add_middleware(SecurityHeadersMiddleware, settings=settings.security_headers)

    def _openapi_catalog(self, settings: GatewaySettings, routes: RouteTable) -> OpenApiCatalog:
        http = httpx.AsyncClient(timeout=settings.api_docs.fetch_timeout_seconds)
        catalog = OpenApiCatalog(
            routes,
            http,
            refresh_seconds=settings.api_docs.refresh_seconds,
            title="Nocturna API",
            version=VERSION,
            needs_credential=PublicRoutes.of().needs_credential,
        )

        async def start() -> None:
            catalog.start()

        self.shell.on_start(start)
        self.shell.on_stop(catalog.stop)
        self.shell.on_stop(http.aclose)
        return catalog

    def _rate_limiter(self, settings: GatewaySettings) -> RedisRateLimiter:
        limits = settings.rate_limit
        redis = aioredis.from_url(
            (limits.redis_url or settings.redis_url).get_secret_value(),
            socket_timeout=limits.redis_timeout_seconds,
            socket_connect_timeout=limits.redis_timeout_seconds,
        )
        self.shell.on_stop(redis.aclose)
        self.rate_limit_keys = RateLimitKeys(settings.redis_key_prefix)
        return RedisRateLimiter(redis, self.rate_limit_keys)

    def _rate_limit_middleware(self, settings: GatewaySettings) -> list[Middleware]:
        if not settings.rate_limit.enabled:
            return []
        return [
            Middleware(
                RateLimitMiddleware,
                limiter=self.rate_limiter,
                keys=self.rate_limit_keys,
                settings=settings.rate_limit,
                trusted_proxies=settings.http.trusted_proxies,
                metrics=RateLimitMetrics(self.shell.metrics.registry),
                outage_breaker=CircuitBreaker(
                    failure_threshold=1, cooldown_seconds=settings.rate_limit.outage_cooldown_seconds
                ),
                exempt_paths=OPERATIONAL_PATHS,
            )
        ]

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
