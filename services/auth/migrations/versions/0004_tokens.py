"""Refresh tokens and service clients.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "auth"


def upgrade() -> None:
    op.create_table(
        "refresh_tokens",
        sa.Column("digest", sa.LargeBinary(), primary_key=True),
        sa.Column(
            "session_id", sa.Uuid(), sa.ForeignKey(f"{SCHEMA}.sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("successor", sa.LargeBinary(), nullable=True),
        schema=SCHEMA,
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"], schema=SCHEMA)
    op.create_index("ix_refresh_tokens_expires_at", "refresh_tokens", ["expires_at"], schema=SCHEMA)
    op.create_index(
        "ix_refresh_tokens_sealed_rotated_at",
        "refresh_tokens",
        ["rotated_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("successor IS NOT NULL"),
    )
    op.create_table(
        "service_clients",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("service_clients", schema=SCHEMA)
    op.drop_index("ix_refresh_tokens_sealed_rotated_at", table_name="refresh_tokens", schema=SCHEMA)
    op.drop_index("ix_refresh_tokens_expires_at", table_name="refresh_tokens", schema=SCHEMA)
    op.drop_index("ix_refresh_tokens_session_id", table_name="refresh_tokens", schema=SCHEMA)
    op.drop_table("refresh_tokens", schema=SCHEMA)
