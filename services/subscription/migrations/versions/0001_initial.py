"""Plans (seeded), subscriptions, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from nocturna_platform.db.schema_ops import create_messaging_tables, drop_messaging_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "subscription"

PLANS = [
    ("free", "Free", 0, "EUR", "month", {"charts_per_month": 10, "saved_charts": 20, "synastry": False,
     "transits": True, "api_keys": 0, "rate_limit_per_minute": 60, "batch": False}),
    ("pro", "Pro", 900, "EUR", "month", {"charts_per_month": 500, "saved_charts": 1000, "synastry": True,
     "transits": True, "api_keys": 2, "rate_limit_per_minute": 300, "batch": False}),
    ("business", "Business", 4900, "EUR", "month", {"charts_per_month": None, "saved_charts": None,
     "synastry": True, "transits": True, "api_keys": 20, "rate_limit_per_minute": 1200, "batch": True}),
]


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("code", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("interval", sa.Text(), nullable=False),
        sa.Column("entitlements", postgresql.JSONB(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    op.bulk_insert(
        plans,
        [
            {"code": c, "name": n, "price_minor": p, "currency": cur, "interval": i, "entitlements": e}
            for c, n, p, cur, i, e in PLANS
        ],
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), nullable=False, unique=True),
        sa.Column("plan_code", sa.Text(), sa.ForeignKey(f"{SCHEMA}.plans.code"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("current_period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    drop_messaging_tables(SCHEMA)
    op.drop_table("subscriptions", schema=SCHEMA)
    op.drop_table("plans", schema=SCHEMA)
