"""OpenID Connect identities linked to users; accounts created through a provider have no password.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "auth"


def upgrade() -> None:
    op.create_table(
        "external_identities",
        sa.Column("provider", sa.Text(), primary_key=True),
        sa.Column("subject", sa.Text(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_external_identities_user_id", "external_identities", ["user_id"], schema=SCHEMA)
    op.alter_column("users", "password_hash", nullable=True, schema=SCHEMA)


def downgrade() -> None:
    op.execute(f"DELETE FROM {SCHEMA}.users WHERE password_hash IS NULL")
    op.alter_column("users", "password_hash", nullable=False, schema=SCHEMA)
    op.drop_index("ix_external_identities_user_id", table_name="external_identities", schema=SCHEMA)
    op.drop_table("external_identities", schema=SCHEMA)
