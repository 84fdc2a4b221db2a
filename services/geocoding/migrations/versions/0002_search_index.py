"""Countries, place names folded for search (pg_trgm, unaccent), coordinates index, seed record.

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

SCHEMA = "geocoding"


def upgrade() -> None:
    # Both extensions are "trusted": a role with CREATE on the database may install them. When they already
    # exist elsewhere (e.g. in `public`), the service's search_path (`geocoding, public`) still finds them.
    op.execute(f"SET LOCAL search_path = {SCHEMA}, public")
    op.execute(f"CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA {SCHEMA}")
    op.execute(f"CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA {SCHEMA}")
    # `unaccent(text)` is only STABLE (it reads the dictionary through search_path); index expressions and
    # generated values need an IMMUTABLE function with the dictionary named explicitly.
    op.execute(
        f"""
        CREATE FUNCTION {SCHEMA}.fold_name(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        SET search_path = {SCHEMA}, public
        AS $$ SELECT lower(unaccent('unaccent'::regdictionary, $1)) $$
        """
    )
    op.create_table(
        "countries",
        sa.Column("code", sa.Text(), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        schema=SCHEMA,
    )
    op.add_column("places", sa.Column("admin1_code", sa.Text(), nullable=True), schema=SCHEMA)
    op.create_index("places_coordinates", "places", ["latitude", "longitude"], schema=SCHEMA)
    op.create_table(
        "place_names",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.Column("country_code", sa.Text(), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        schema=SCHEMA,
    )
    # Exact and prefix lookups read this index only (INCLUDE columns; the seed vacuums for the visibility map).
    op.execute(
        f"CREATE INDEX place_names_prefix ON {SCHEMA}.place_names (folded text_pattern_ops)"
        " INCLUDE (population, place_id, country_code)"
    )
    op.execute(f"CREATE INDEX place_names_trigram ON {SCHEMA}.place_names USING gin (folded gin_trgm_ops)")
    op.create_table(
        "seed_runs",
        sa.Column("dataset", sa.Text(), primary_key=True),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("names", sa.Integer(), nullable=False),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("seed_runs", schema=SCHEMA)
    op.drop_table("place_names", schema=SCHEMA)
    op.drop_index("places_coordinates", table_name="places", schema=SCHEMA)
    op.drop_column("places", "admin1_code", schema=SCHEMA)
    op.drop_table("countries", schema=SCHEMA)
    op.execute(f"DROP FUNCTION {SCHEMA}.fold_name(text)")
