"""Billing: provider fields on subscriptions, encrypted billing customers, checkouts, the webhook log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "subscription"


def upgrade() -> None:
    op.add_column("subscriptions", sa.Column("pending_plan_code", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column(
        "subscriptions",
        sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.false()),
        schema=SCHEMA,
    )
    op.add_column("subscriptions", sa.Column("provider_subscription_id", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column(
        "subscriptions", sa.Column("provider_updated_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA
    )
    op.create_table(
        "billing_customers",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "checkouts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), nullable=False, index=True),
        sa.Column("plan_code", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "billing_webhooks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("provider_event_id", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True, index=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.UniqueConstraint("provider", "provider_event_id"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("billing_webhooks", schema=SCHEMA)
    op.drop_table("checkouts", schema=SCHEMA)
    op.drop_table("billing_customers", schema=SCHEMA)
    for column in ("provider_updated_at", "provider_subscription_id", "email_verified", "pending_plan_code"):
        op.drop_column("subscriptions", column, schema=SCHEMA)
