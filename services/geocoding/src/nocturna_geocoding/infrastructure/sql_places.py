"""Places in Postgres: search over folded names (btree for exact and prefix, trigram GIN for typos), lookup
by id, and the nearest place by a bounding-box prefilter on indexed coordinates then great-circle distance.

Every statement is written for a generic plan (the service's connections run with `plan_cache_mode =
force_generic_plan`): each is planned once per connection and then only executed. Planning these CTEs cost
Postgres ~1 ms a search, more than running them (0.2-0.5 ms for an exact or prefix match). The statements run
on the pooled connection's asyncpg connection (cached prepared statements, positional `$n` parameters); their
columns come in `Place`'s field order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from nocturna_platform.db.engine import driver_connection
from sqlalchemy.ext.asyncio import AsyncEngine

from nocturna_geocoding.domain.places import EARTH_RADIUS_KM, Place, PlaceQuery, haversine_km

LARGE_PLACE_POPULATION = 15_000
"""Places this large have their names in a partial prefix index (migration 0003 uses the same number)."""

# A prefix is the range of folded names from the folded query up to it followed by the last code point
# (`text_pattern_ops` compares bytes), which a generic plan scans on the btree; `LIKE 'x%'` needs a constant
# pattern for that, hence a plan per query.
# Exact matches by index equality; prefix matches as index-only range scans keeping the most populous few
# (a top-N sort). A short prefix matches tens of thousands of names, so the names of large places are searched
# first (a partial index, migration 0003): when they hold `limit` places, no smaller place can rank among the
# first `limit`, and the scan of every name (a one-time filter) never runs. Each place appears once with its
# best class; ties go to the larger population.
_PREFIX_RANGE = "n.folded ~>=~ fold_name($1) AND n.folded ~<~ (fold_name($1) || chr(1114111))"
_RANKED_MATCHES = f"""
WITH exact AS (
    SELECT n.place_id, 0 AS class, n.population
    FROM place_names n
    WHERE n.folded = fold_name($1) AND (CAST($2 AS text) IS NULL OR n.country_code = $2)
    ORDER BY n.population DESC
    LIMIT $3
),
large_prefix AS (
    SELECT n.place_id, 1 AS class, n.population
    FROM place_names n
    WHERE n.population >= {LARGE_PLACE_POPULATION} AND {_PREFIX_RANGE}
      AND (CAST($2 AS text) IS NULL OR n.country_code = $2)
    ORDER BY n.population DESC
    LIMIT $3 * 20
),
any_prefix AS (
    SELECT n.place_id, 1 AS class, n.population
    FROM place_names n
    WHERE (SELECT count(DISTINCT place_id) FROM large_prefix) < $3 AND {_PREFIX_RANGE}
      AND (CAST($2 AS text) IS NULL OR n.country_code = $2)
    ORDER BY n.population DESC
    LIMIT $3 * 20
),
matches AS (
    SELECT place_id, min(class) AS class
    FROM (SELECT * FROM exact UNION ALL SELECT * FROM large_prefix UNION ALL SELECT * FROM any_prefix) AS found
    GROUP BY place_id
    ORDER BY min(class), max(population) DESC, place_id
    LIMIT $3
)
SELECT p.id, p.name, p.country_code, coalesce(c.name, p.country_code) AS country, p.admin1,
       p.latitude, p.longitude, p.timezone, p.population, m.class
FROM matches m JOIN places p ON p.id = m.place_id LEFT JOIN countries c ON c.code = p.country_code
ORDER BY m.class, p.population DESC, p.id
"""  # noqa: S608 - built from constants only; the input is bound

# One-typo matches (Damerau edit distance 1: a letter dropped, added, changed, or two swapped), the commonest
# misspelling: every edit of the folded query is generated here and looked up by btree equality, a few hundred
# index probes (~2 ms) where the trigram search costs 10-60 ms. The letters that can be added or changed are
# the Latin ones, space, hyphen and apostrophe, plus the query's own (so a Cyrillic query gets Cyrillic ones).
_ONE_EDIT_MATCHES = """
WITH q AS (SELECT fold_name($1) AS f),
alphabet AS (
    SELECT DISTINCT c FROM q, unnest(string_to_array('abcdefghijklmnopqrstuvwxyz -''' || f, NULL)) AS c
),
edits AS (
    SELECT left(f, i - 1) || substr(f, i + 1) AS edit FROM q, generate_series(1, length(f)) AS i
    UNION SELECT left(f, i - 1) || c || substr(f, i + 1) FROM q, generate_series(1, length(f)) AS i, alphabet
    UNION SELECT left(f, i) || c || substr(f, i + 1) FROM q, generate_series(0, length(f)) AS i, alphabet
    UNION SELECT left(f, i - 1) || substr(f, i + 1, 1) || substr(f, i, 1) || substr(f, i + 2)
          FROM q, generate_series(1, length(f) - 1) AS i
),
matches AS (
    SELECT n.place_id, max(n.population) AS population
    FROM place_names n
    WHERE n.folded = ANY(ARRAY(SELECT edit FROM edits))
      AND (CAST($2 AS text) IS NULL OR n.country_code = $2)
    GROUP BY n.place_id
    ORDER BY max(n.population) DESC, n.place_id
    LIMIT $3
)
SELECT p.id, p.name, p.country_code, coalesce(c.name, p.country_code) AS country, p.admin1,
       p.latitude, p.longitude, p.timezone, p.population
FROM matches m JOIN places p ON p.id = m.place_id LEFT JOIN countries c ON c.code = p.country_code
ORDER BY p.population DESC, p.id
"""

# Fuzzy matches: trigram similarity above the threshold (the `%` operator uses the GIN index), best first.
_FUZZY_MATCHES = """
WITH matches AS (
    SELECT n.place_id, max(similarity(n.folded, fold_name($1))) AS score
    FROM place_names n
    WHERE n.folded % fold_name($1)
      AND (CAST($2 AS text) IS NULL OR n.country_code = $2)
    GROUP BY n.place_id
    ORDER BY score DESC, max(n.population) DESC, n.place_id
    LIMIT $3
)
SELECT p.id, p.name, p.country_code, coalesce(c.name, p.country_code) AS country, p.admin1,
       p.latitude, p.longitude, p.timezone, p.population
FROM matches m JOIN places p ON p.id = m.place_id LEFT JOIN countries c ON c.code = p.country_code
ORDER BY m.score DESC, p.population DESC, p.id
"""

_BY_ID = """
SELECT p.id, p.name, p.country_code, coalesce(c.name, p.country_code) AS country, p.admin1,
       p.latitude, p.longitude, p.timezone, p.population
FROM places p LEFT JOIN countries c ON c.code = p.country_code
WHERE p.id = $1
"""

_NEAREST = """
SELECT p.id, p.name, p.country_code, coalesce(c.name, p.country_code) AS country, p.admin1,
       p.latitude, p.longitude, p.timezone, p.population
FROM places p LEFT JOIN countries c ON c.code = p.country_code
WHERE p.latitude BETWEEN $3 AND $4 AND p.longitude BETWEEN $5 AND $6
ORDER BY 2 * asin(sqrt(
    power(sin(radians(p.latitude - $1) / 2), 2)
    + cos(radians($1)) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - $2) / 2), 2)
)), p.population DESC
LIMIT 1
"""

_SEARCH_RADII_DEGREES = (0.25, 1.0, 4.0, 16.0, 180.0)
_SIMILARITY_THRESHOLD = 0.3
_ONE_EDIT_MIN_LENGTH = 4
"""Shorter queries are prefixes being typed: hundreds of unrelated names lie one edit away from them."""
_KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def _place(row: Sequence[Any]) -> Place:
    return Place(*row[:9])


SERVER_SETTINGS: Mapping[str, str] = {
    "plan_cache_mode": "force_generic_plan",
    "pg_trgm.similarity_threshold": str(_SIMILARITY_THRESHOLD),
}
"""The settings this adapter's statements are written for, on every connection of the service's pool."""


class SqlPlaceDirectory:
    """The local GeoNames adapter of `GeocodingProvider`, and the place directory behind lookups."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def search(self, query: PlaceQuery) -> list[Place]:
        """Exact and prefix matches first. When they find nothing a typo was typed (a typo that is still some
        name's prefix finds that name instead): names one edit away, larger places first; then, for worse
        typos, trigram similarity (~10x slower than both)."""
        params = (query.text, query.country, query.limit)
        async with driver_connection(self._engine) as connection:
            rows = await connection.fetch(_RANKED_MATCHES, *params)
            if not rows and len(query.text) >= _ONE_EDIT_MIN_LENGTH:
                rows = await connection.fetch(_ONE_EDIT_MATCHES, *params)
            if not rows:
                rows = await connection.fetch(_FUZZY_MATCHES, *params)
        return [_place(row) for row in rows]

    async def get(self, place_id: int) -> Place | None:
        async with driver_connection(self._engine) as connection:
            row = await connection.fetchrow(_BY_ID, place_id)
        return None if row is None else _place(row)

    async def nearest(self, latitude: float, longitude: float) -> Place | None:
        """Grows a box around the point until it holds a place; the box's nearest place by haversine wins once
        the box is wider than the distance found (a nearer place outside the box is then impossible)."""
        async with driver_connection(self._engine) as connection:
            for radius in _SEARCH_RADII_DEGREES:
                widest = math.cos(math.radians(min(abs(latitude) + radius, 89.9)))
                lon_radius = min(180.0, radius / widest)
                south, north = latitude - radius, latitude + radius
                west, east = max(longitude - lon_radius, -180.0), min(longitude + lon_radius, 180.0)
                wraps = longitude - lon_radius < -180 or longitude + lon_radius > 180
                if wraps or radius == _SEARCH_RADII_DEGREES[-1]:
                    south, north, west, east = -90.0, 90.0, -180.0, 180.0
                row = await connection.fetchrow(_NEAREST, latitude, longitude, south, north, west, east)
                if row is None:
                    continue
                found = _place(row)
                distance = haversine_km(latitude, longitude, found.latitude, found.longitude)
                if distance <= radius * _KM_PER_DEGREE or (west == -180.0 and east == 180.0):
                    return found
        return None
