"""Saved charts (inputs sealed with AES-GCM) and monthly usage counts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "chart"


def upgrade() -> None:
    op.create_table(
        "charts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("house_system", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("owner_id", "idempotency_key"),
        schema=SCHEMA,
    )
    op.create_index("ix_charts_owner_id_id", "charts", ["owner_id", "id"], schema=SCHEMA)
    op.create_table(
        "usage",
        sa.Column("owner_id", sa.Uuid(), primary_key=True),
        sa.Column("period", sa.Text(), primary_key=True),
        sa.Column("charts_created", sa.Integer(), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("usage", schema=SCHEMA)
    op.drop_index("ix_charts_owner_id_id", table_name="charts", schema=SCHEMA)
    op.drop_table("charts", schema=SCHEMA)
