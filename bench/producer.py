"""One producing service as the benchmarks drive it: the subscription schema's outbox, its unit of work and
the platform's messaging runtime (relay, broker, subscriptions), all in this process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from nocturna_contracts.subscription.v1 import Entitlements, SubscriptionChanged
from nocturna_platform.clock import utc_now
from nocturna_platform.db.engine import create_engine, create_session_factory
from nocturna_platform.db.unit_of_work import SqlUnitOfWork
from nocturna_platform.messaging.runtime import Messaging
from nocturna_platform.messaging.tables import MessagingTables, messaging_tables
from nocturna_platform.settings import ServiceSettings
from prometheus_client import CollectorRegistry
from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

SCHEMA = "subscription"
"""The service whose outbox (created by its own migration) the benchmarks write to."""

FREE = Entitlements(
    charts_per_month=10,
    saved_charts=20,
    synastry=False,
    transits=True,
    api_keys=0,
    rate_limit_per_minute=60,
    batch=False,
)


def subscription_changed() -> SubscriptionChanged:
    """A realistic event: the one subscription publishes most, with a fresh subscription id as its key."""
    now = utc_now()
    return SubscriptionChanged(
        user_id=uuid.uuid4(),
        subscription_id=uuid.uuid4(),
        plan_code="free",
        status="active",
        current_period_start=now,
        current_period_end=now + timedelta(days=30),
        cancel_at_period_end=False,
        entitlements=FREE,
        version=1,
        changed_at=now,
    )


@dataclass
class Producer:
    settings: ServiceSettings
    engine: AsyncEngine
    tables: MessagingTables
    session_factory: async_sessionmaker[AsyncSession]

    @classmethod
    @asynccontextmanager
    async def open(cls, settings: ServiceSettings) -> AsyncIterator[Producer]:
        engine = create_engine(settings, SCHEMA)
        try:
            tables = messaging_tables(MetaData(), SCHEMA)
            yield cls(settings, engine, tables, create_session_factory(engine))
        finally:
            await engine.dispose()

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.session_factory, self.tables, utc_now)

    def messaging(
        self, consumer: str, *, relay: bool, registry: CollectorRegistry | None = None
    ) -> Messaging:
        """The runtime a service process builds; with `relay` it publishes this outbox."""
        return Messaging(
            self.settings,
            registry or CollectorRegistry(),
            utc_now,
            consumer=consumer,
            engine=self.engine if relay else None,
            tables=self.tables if relay else None,
        )

    async def backlog(self) -> int:
        outbox = self.tables.outbox
        statement = select(func.count()).where(outbox.c.published_at.is_(None))
        async with self.engine.connect() as connection:
            return int((await connection.execute(statement)).scalar_one())
