"""The outbox and inbox tables every service owns inside its own schema."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB


@dataclass(frozen=True)
class MessagingTables:
    schema: str
    outbox: Table
    inbox: Table

    @property
    def notify_channel(self) -> str:
        return f"{self.schema}_outbox"


def messaging_tables(metadata: MetaData, schema: str) -> MessagingTables:
    """Declare `<schema>.outbox` and `<schema>.inbox` on the service's metadata (so Alembic sees them)."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("event_type", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("headers", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Index("ix_outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
        Index("ix_outbox_published_at", "published_at", postgresql_where=text("published_at IS NOT NULL")),
        schema=schema,
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", Text, nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
        schema=schema,
    )
    return MessagingTables(schema=schema, outbox=outbox, inbox=inbox)


def create_outbox_notify_sql(schema: str) -> list[str]:
    """DDL for the statement-level trigger that wakes the relay (LISTEN/NOTIFY) when events are written."""
    return [
        f"""
        CREATE OR REPLACE FUNCTION "{schema}".notify_outbox() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{schema}_outbox', '');
            RETURN NULL;
        END $$
        """,
        f'DROP TRIGGER IF EXISTS outbox_notify ON "{schema}".outbox',
        f"""
        CREATE TRIGGER outbox_notify AFTER INSERT ON "{schema}".outbox
        FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".notify_outbox()
        """,
    ]


def drop_outbox_notify_sql(schema: str) -> list[str]:
    return [
        f'DROP TRIGGER IF EXISTS outbox_notify ON "{schema}".outbox',
        f'DROP FUNCTION IF EXISTS "{schema}".notify_outbox()',
    ]
