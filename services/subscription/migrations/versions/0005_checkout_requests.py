"""Checkout requests by `Idempotency-Key`: the same key and body answer the same checkout session for 24 h.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "subscription"


def upgrade() -> None:
    op.create_table(
        "checkout_requests",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("checkout_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "idempotency_key"),
        schema=SCHEMA,
    )
    op.create_index("ix_checkout_requests_expires_at", "checkout_requests", ["expires_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("checkout_requests", schema=SCHEMA)
