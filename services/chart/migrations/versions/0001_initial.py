"""Entitlement projection, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from nocturna_platform.db.schema_ops import create_messaging_tables, drop_messaging_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "chart"


def upgrade() -> None:
    op.create_table(
        "entitlements",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("plan_code", sa.Text(), nullable=False),
        sa.Column("charts_per_month", sa.Integer(), nullable=True),
        sa.Column("saved_charts", sa.Integer(), nullable=True),
        sa.Column("synastry", sa.Boolean(), nullable=False),
        sa.Column("transits", sa.Boolean(), nullable=False),
        sa.Column("batch", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    drop_messaging_tables(SCHEMA)
    op.drop_table("entitlements", schema=SCHEMA)
