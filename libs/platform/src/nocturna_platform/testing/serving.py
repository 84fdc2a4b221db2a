"""Serving a service in-process for its integration tests: migrated, started, reached through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from nocturna_platform.cli import Service

TEST_CLIENT_ADDRESS = ("203.0.113.7", 50000)
"""The peer address the app sees: a documentation address, outside `http.trusted_proxies`."""


@asynccontextmanager
async def serving(
    service: Service, base_url: str = "http://service.test"
) -> AsyncIterator[httpx.AsyncClient]:
    """Upgrade the service's schema to head, run its lifespan (broker, relay, hooks), yield a client."""
    if service.shell.migrations is not None:
        await service.shell.migrations.upgrade("head")
    async with service.app.router.lifespan_context(service.app):
        transport = httpx.ASGITransport(app=service.app, client=TEST_CLIENT_ADDRESS)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
