"""One Alembic environment for every service: each `migrations/env.py` calls `run_migrations`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

VERSION_TABLE = "alembic_version"


def run_migrations(metadata: MetaData, schema: str) -> None:
    """Body of a service's `env.py`: creates its schema first (unless it exists: a per-service role that may
    only use its own schema has no CREATE on the database), keeps the version table inside it."""
    config = context.config
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL given to the migration environment")

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "schema":
            return name == schema
        return True

    def do_run(connection: Connection) -> None:
        exists = connection.execute(
            text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()  # Alembic's transaction below must be its own, not this autobegun one
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            version_table=VERSION_TABLE,
            include_schemas=True,
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(do_run)
        finally:
            await engine.dispose()

    asyncio.run(run_async())


@dataclass(frozen=True)
class Migrations:
    """A service's migration history: upgrade, downgrade, and whether the database is at head."""

    directory: Path
    schema: str
    database_url: str

    def _config(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.directory))
        config.attributes["database_url"] = self.database_url
        return config

    def head(self) -> str | None:
        return ScriptDirectory.from_config(self._config()).get_current_head()

    async def upgrade(self, revision: str = "head") -> None:
        await asyncio.to_thread(command.upgrade, self._config(), revision)

    async def downgrade(self, revision: str) -> None:
        await asyncio.to_thread(command.downgrade, self._config(), revision)

    async def current(self) -> str | None:
        engine = create_async_engine(self.database_url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(self.current_revision)
        finally:
            await engine.dispose()

    def current_revision(self, connection: Connection) -> str | None:
        """The revision recorded in the schema, read on a connection the caller already has."""
        migration_context = MigrationContext.configure(
            connection, opts={"version_table_schema": self.schema, "version_table": VERSION_TABLE}
        )
        return migration_context.get_current_revision()
