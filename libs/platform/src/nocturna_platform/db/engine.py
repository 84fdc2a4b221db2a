"""The async engine of one service, bound to its own schema."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from nocturna_platform.settings import ServiceSettings


def create_engine(settings: ServiceSettings, schema: str) -> AsyncEngine:
    """Pool sized from settings; `search_path` pinned to the service's schema so stray SQL stays inside it."""
    pool = settings.database_pool
    return create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_seconds,
        pool_pre_ping=pool.pre_ping,
        hide_parameters=True,  # an error's message never carries bound values (hashes, tokens, emails)
        connect_args={
            "timeout": pool.timeout_seconds,
            "command_timeout": max(pool.statement_timeout_ms / 1000, 1) + 5,
            "server_settings": {
                "search_path": f"{schema},public",
                "application_name": settings.service_name,
                "statement_timeout": str(pool.statement_timeout_ms),
            },
        },
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """The plain libpq form of a `postgresql+asyncpg://` URL, for raw asyncpg connections (LISTEN)."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)
