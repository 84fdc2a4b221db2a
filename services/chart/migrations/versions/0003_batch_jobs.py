"""Batch jobs and their records (inputs sealed until settled).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "chart"


def upgrade() -> None:
    op.create_table(
        "batch_jobs",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("owner_id", "idempotency_key"),
        schema=SCHEMA,
    )
    op.create_index("ix_batch_jobs_owner_id", "batch_jobs", ["owner_id"], schema=SCHEMA)
    op.create_table(
        "batch_items",
        sa.Column(
            "job_id",
            sa.Uuid(),
            sa.ForeignKey(f"{SCHEMA}.batch_jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("item_index", sa.Integer(), primary_key=True),
        sa.Column("key_id", sa.Text(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("chart_id", sa.Uuid(), nullable=True),
        sa.Column("problem", postgresql.JSONB(), nullable=True),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("batch_items", schema=SCHEMA)
    op.drop_index("ix_batch_jobs_owner_id", table_name="batch_jobs", schema=SCHEMA)
    op.drop_table("batch_jobs", schema=SCHEMA)
