"""Migration operations every service's history shares (the outbox and inbox DDL)."""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData, text

from nocturna_platform.messaging.tables import (
    MessagingTables,
    create_outbox_notify_sql,
    drop_outbox_notify_sql,
    messaging_tables,
)


def _tables(schema: str) -> MessagingTables:
    # A fresh MetaData each time: a migration creates the tables exactly as `messaging_tables` declares them.
    return messaging_tables(MetaData(), schema)


def create_messaging_tables(schema: str) -> None:
    """`<schema>.outbox` with its NOTIFY trigger and `<schema>.inbox`."""
    bind = op.get_bind()
    tables = _tables(schema)
    tables.outbox.create(bind)
    tables.inbox.create(bind)
    for statement in create_outbox_notify_sql(schema):
        bind.execute(text(statement))


def drop_messaging_tables(schema: str) -> None:
    bind = op.get_bind()
    tables = _tables(schema)
    for statement in drop_outbox_notify_sql(schema):
        bind.execute(text(statement))
    tables.inbox.drop(bind)
    tables.outbox.drop(bind)
