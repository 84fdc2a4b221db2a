"""The shell every service shares: logging, telemetry, metrics, database, Redis, broker, app, lifecycle.

A service's `bootstrap.py` builds one `ServiceShell` with its parameters and adds only its own composition.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis.asyncio as aioredis
from fastapi import APIRouter, FastAPI
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.middleware import Middleware

from nocturna_platform.clock import utc_now
from nocturna_platform.db.engine import create_engine, create_session_factory
from nocturna_platform.db.migrations import Migrations
from nocturna_platform.http.app import create_app
from nocturna_platform.http.health import CallableCheck, ReadinessCheck, ReadinessError
from nocturna_platform.http.metrics import ServiceMetrics
from nocturna_platform.messaging.runtime import Messaging
from nocturna_platform.messaging.tables import MessagingTables
from nocturna_platform.observability.logging import configure_logging
from nocturna_platform.observability.telemetry import (
    configure_telemetry,
    instrument_httpx,
    instrument_redis,
    instrument_sqlalchemy,
)
from nocturna_platform.security.jwks import JwksCache
from nocturna_platform.security.verifier import TokenVerifier
from nocturna_platform.settings import ServiceSettings

Hook = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Persistence:
    """A service that owns a schema: its name, migration history and outbox/inbox tables."""

    schema: str
    migrations_dir: Path
    tables: MessagingTables | None = None
    server_settings: Mapping[str, str] = field(default_factory=dict)
    """Postgres settings of every pooled connection, beyond the search path and statement timeout."""


_logger = logging.getLogger("nocturna.shell")


class ServiceShell:
    shutdown_step_seconds: float = 10.0
    """Each step of a shutdown gets this long; one that hangs is logged and skipped, so a stop always ends."""

    def __init__(
        self, settings: ServiceSettings, *, persistence: Persistence | None = None, uses_broker: bool = True
    ) -> None:
        self.settings = settings
        configure_logging(settings.log, settings.service_name)
        self.tracer_provider: TracerProvider | None = None
        if settings.telemetry.tracing_enabled:
            self.tracer_provider = configure_telemetry(settings.telemetry, settings.service_name)
            instrument_httpx(self.tracer_provider)
            instrument_redis(self.tracer_provider)
        self.clock = utc_now
        self.metrics = ServiceMetrics()
        self.redis: aioredis.Redis = aioredis.from_url(
            settings.redis_url.get_secret_value(), socket_timeout=2, socket_connect_timeout=2
        )
        self.engine: AsyncEngine | None = None
        self.session_factory: async_sessionmaker[AsyncSession] | None = None
        self.migrations: Migrations | None = None
        if persistence is not None:
            self.engine = create_engine(settings, persistence.schema, persistence.server_settings)
            if self.tracer_provider is not None:
                instrument_sqlalchemy(self.engine, self.tracer_provider)
            self.session_factory = create_session_factory(self.engine)
            self.migrations = Migrations(
                persistence.migrations_dir, persistence.schema, settings.database_url.get_secret_value()
            )
            self._expected_revision = self.migrations.head()
        self.messaging: Messaging | None = None
        if uses_broker:
            self.messaging = Messaging(
                settings,
                self.metrics.registry,
                self.clock,
                consumer=settings.service_name,
                engine=self.engine,
                tables=persistence.tables if persistence else None,
                tracer_provider=self.tracer_provider,
            )
        self._jwks_http = httpx.AsyncClient(timeout=httpx.Timeout(3.0, connect=1.0))
        self._on_start: list[Hook] = []
        self._on_stop: list[Hook] = []

    def on_start(self, hook: Hook) -> None:
        self._on_start.append(hook)

    def on_stop(self, hook: Hook) -> None:
        self._on_stop.append(hook)

    def readiness_checks(self) -> list[ReadinessCheck]:
        checks: list[ReadinessCheck] = [CallableCheck("redis", self._ping_redis)]
        if self.messaging is not None:
            checks.append(CallableCheck("broker", self.messaging.ping))
        if self.engine is not None:
            checks += [
                CallableCheck("database", self._ping_database),
                CallableCheck("migrations", self._at_head),
            ]
        return checks

    def create_app(
        self,
        *,
        title: str,
        version: str,
        routers: Sequence[APIRouter],
        extra_checks: Sequence[ReadinessCheck] = (),
        middleware: Sequence[Middleware] = (),
        docs_ui: bool = True,
    ) -> FastAPI:
        """`middleware` runs inside the shell's request-context middleware (see `http.app.create_app`)."""
        app = create_app(
            settings=self.settings,
            title=title,
            version=version,
            routers=routers,
            readiness_checks=[*self.readiness_checks(), *extra_checks],
            metrics=self.metrics,
            lifespan=self._lifespan,
            tracer_provider=self.tracer_provider,
            middleware=middleware,
            docs_ui=docs_ui,
        )
        app.state.token_verifier = TokenVerifier(
            self.settings.tokens, JwksCache(self.settings.tokens, self._jwks_http), self.clock
        )
        return app

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        if self.messaging is not None:
            await self.messaging.start()
        for hook in self._on_start:
            await hook()
        try:
            yield
        finally:
            for hook in reversed(self._on_stop):
                await self._shutdown_step(hook)
            if self.messaging is not None:
                await self._shutdown_step(self.messaging.stop)
            await self._shutdown_step(self.redis.aclose)
            await self._shutdown_step(self._jwks_http.aclose)
            if self.engine is not None:
                await self._shutdown_step(self.engine.dispose)

    async def _shutdown_step(self, step: Callable[[], Awaitable[object]]) -> None:
        try:
            async with asyncio.timeout(self.shutdown_step_seconds):
                await step()
        except TimeoutError:
            _logger.error(
                "shutdown step did not finish in time; skipped",
                extra={
                    "step": getattr(step, "__qualname__", repr(step)),
                    "seconds": self.shutdown_step_seconds,
                },
            )

    async def _ping_redis(self) -> None:
        await self.redis.ping()

    async def _ping_database(self) -> None:
        assert self.engine is not None
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def _at_head(self) -> None:
        assert self.engine is not None
        assert self.migrations is not None
        async with self.engine.connect() as connection:
            current = await connection.run_sync(self.migrations.current_revision)
        if current != self._expected_revision:
            raise ReadinessError(f"schema at {current}, code expects {self._expected_revision}")
