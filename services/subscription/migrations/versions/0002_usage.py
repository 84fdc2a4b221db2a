"""Usage records (unique per event id), counters per user and billing period, thresholds announced.

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

SCHEMA = "subscription"


def upgrade() -> None:
    op.create_table(
        "usage_records",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("calculation_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id"),
        schema=SCHEMA,
    )
    op.create_index("ix_usage_records_user_id", "usage_records", ["user_id"], schema=SCHEMA)
    op.create_table(
        "usage_counters",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("charts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "period_start"),
        schema=SCHEMA,
    )
    op.create_table(
        "quota_thresholds_sent",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quota", sa.Text(), nullable=False),
        sa.Column("threshold_percent", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "period_start", "quota", "threshold_percent"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("quota_thresholds_sent", schema=SCHEMA)
    op.drop_table("usage_counters", schema=SCHEMA)
    op.drop_index("ix_usage_records_user_id", "usage_records", schema=SCHEMA)
    op.drop_table("usage_records", schema=SCHEMA)
