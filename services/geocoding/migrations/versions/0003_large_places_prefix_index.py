"""Prefix index over the names of places of 15,000 people or more, for short prefixes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "geocoding"
LARGE_PLACE_POPULATION = 15_000
"""Must equal `LARGE_PLACE_POPULATION` in the search query: the planner uses a partial index only when the
query's condition implies the index's."""


def upgrade() -> None:
    # A three-letter prefix matches tens of thousands of names; their most populous few are almost always
    # large places, found here among a third of the names instead of all of them.
    op.execute(
        f"CREATE INDEX place_names_prefix_large ON {SCHEMA}.place_names (folded text_pattern_ops)"
        f" INCLUDE (population, place_id, country_code) WHERE population >= {LARGE_PLACE_POPULATION}"
    )


def downgrade() -> None:
    op.execute(f"DROP INDEX {SCHEMA}.place_names_prefix_large")
