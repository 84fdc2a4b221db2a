from nocturna_platform.db.migrations import run_migrations
from nocturna_subscription.infrastructure import tables
from sqlmodel import SQLModel

run_migrations(SQLModel.metadata, tables.SCHEMA)
