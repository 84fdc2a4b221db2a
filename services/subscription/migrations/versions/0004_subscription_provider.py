"""The billing provider of each subscription (webhooks of a provider only touch its own subscriptions).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "subscription"


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("provider", sa.Text(), nullable=True), schema=SCHEMA)
    # Subscriptions a provider billed already: its customer record names it
    op.execute(
        f"UPDATE {SCHEMA}.subscriptions AS s SET provider = c.provider FROM {SCHEMA}.billing_customers AS c "
        "WHERE c.user_id = s.user_id AND s.provider_updated_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("subscriptions", "provider", schema=SCHEMA)
