from nocturna_geocoding.infrastructure import tables
from nocturna_platform.db.migrations import run_migrations
from sqlmodel import SQLModel

run_migrations(SQLModel.metadata, tables.SCHEMA)
