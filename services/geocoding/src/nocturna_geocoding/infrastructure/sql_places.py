"""Places in Postgres: search over folded names (btree for exact and prefix, trigram GIN for typos), lookup
by id, and the nearest place by a bounding-box prefilter on indexed coordinates then great-circle distance."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from nocturna_geocoding.domain.places import EARTH_RADIUS_KM, Place, PlaceQuery, haversine_km

LARGE_PLACE_POPULATION = 15_000
"""Places this large have their names in a partial prefix index (migration 0003 uses the same number)."""

# `fold_name(:text)` is written inline (not in a CTE) so that the planner folds it to a constant: only then
# can `LIKE 'x%'` use the btree range and `%` the trigram index.
# Exact matches by index equality; prefix matches as index-only range scans keeping the most populous few
# (a top-N sort). A short prefix matches tens of thousands of names, so the names of large places are searched
# first (a partial index, migration 0003): when they hold `limit` places, no smaller place can rank among the
# first `limit`, and the scan of every name (a one-time filter) never runs. Each place appears once with its
# best class; ties go to the larger population.
_PREFIX = """replace(replace(replace(fold_name(:text), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'"""
_RANKED_MATCHES = f"""
WITH exact AS (
    SELECT n.place_id, 0 AS class, n.population
    FROM place_names n
    WHERE n.folded = fold_name(:text) AND (CAST(:country AS text) IS NULL OR n.country_code = :country)
    ORDER BY n.population DESC
    LIMIT :limit
),
large_prefix AS (
    SELECT n.place_id, 1 AS class, n.population
    FROM place_names n
    WHERE n.population >= {LARGE_PLACE_POPULATION} AND n.folded LIKE {_PREFIX}
      AND (CAST(:country AS text) IS NULL OR n.country_code = :country)
    ORDER BY n.population DESC
    LIMIT :limit * 20
),
any_prefix AS (
    SELECT n.place_id, 1 AS class, n.population
    FROM place_names n
    WHERE (SELECT count(DISTINCT place_id) FROM large_prefix) < :limit AND n.folded LIKE {_PREFIX}
      AND (CAST(:country AS text) IS NULL OR n.country_code = :country)
    ORDER BY n.population DESC
    LIMIT :limit * 20
),
matches AS (
    SELECT place_id, min(class) AS class
    FROM (SELECT * FROM exact UNION ALL SELECT * FROM large_prefix UNION ALL SELECT * FROM any_prefix) AS found
    GROUP BY place_id
    ORDER BY min(class), max(population) DESC, place_id
    LIMIT :limit
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
WITH q AS (SELECT fold_name(:text) AS f),
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
      AND (CAST(:country AS text) IS NULL OR n.country_code = :country)
    GROUP BY n.place_id
    ORDER BY max(n.population) DESC, n.place_id
    LIMIT :limit
)
SELECT p.id, p.name, p.country_code, coalesce(c.name, p.country_code) AS country, p.admin1,
       p.latitude, p.longitude, p.timezone, p.population
FROM matches m JOIN places p ON p.id = m.place_id LEFT JOIN countries c ON c.code = p.country_code
ORDER BY p.population DESC, p.id
"""

# Fuzzy matches: trigram similarity above the threshold (the `%` operator uses the GIN index), best first.
_FUZZY_MATCHES = """
WITH matches AS (
    SELECT n.place_id, max(similarity(n.folded, fold_name(:text))) AS score
    FROM place_names n
    WHERE n.folded % fold_name(:text)
      AND (CAST(:country AS text) IS NULL OR n.country_code = :country)
    GROUP BY n.place_id
    ORDER BY score DESC, max(n.population) DESC, n.place_id
    LIMIT :limit
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
WHERE p.id = :id
"""

_NEAREST = """
SELECT p.id, p.name, p.country_code, coalesce(c.name, p.country_code) AS country, p.admin1,
       p.latitude, p.longitude, p.timezone, p.population
FROM places p LEFT JOIN countries c ON c.code = p.country_code
WHERE p.latitude BETWEEN :south AND :north AND p.longitude BETWEEN :west AND :east
ORDER BY 2 * asin(sqrt(
    power(sin(radians(p.latitude - :lat) / 2), 2)
    + cos(radians(:lat)) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - :lon) / 2), 2)
)), p.population DESC
LIMIT 1
"""

_SEARCH_RADII_DEGREES = (0.25, 1.0, 4.0, 16.0, 180.0)
_SIMILARITY_THRESHOLD = 0.3
_ONE_EDIT_MIN_LENGTH = 4
"""Shorter queries are prefixes being typed: hundreds of unrelated names lie one edit away from them."""
_KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def _place(row: Any) -> Place:
    return Place(
        id=row.id,
        name=row.name,
        country_code=row.country_code,
        country=row.country,
        admin1=row.admin1,
        latitude=row.latitude,
        longitude=row.longitude,
        timezone=row.timezone,
        population=row.population,
    )


class SqlPlaceDirectory:
    """The local GeoNames adapter of `GeocodingProvider`, and the place directory behind lookups."""

    def __init__(self, engine: AsyncEngine) -> None:
        # Reads only: autocommit spares every query its BEGIN and ROLLBACK round trips.
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def search(self, query: PlaceQuery) -> list[Place]:
        """Exact and prefix matches first. When they find nothing a typo was typed (a typo that is still some
        name's prefix finds that name instead): names one edit away, larger places first; then, for worse
        typos, trigram similarity (~10x slower than both)."""
        params = {"text": query.text, "country": query.country, "limit": query.limit}
        async with self._engine.connect() as connection:
            rows = list(await connection.execute(text(_RANKED_MATCHES), params))
            places = [_place(row) for row in rows]
            if not places and len(query.text) >= _ONE_EDIT_MIN_LENGTH:
                places = [_place(row) for row in await connection.execute(text(_ONE_EDIT_MATCHES), params)]
            if not places:
                await connection.execute(  # for the connection's session: autocommit has no transaction
                    text("SELECT set_config('pg_trgm.similarity_threshold', :t, false)"),
                    {"t": str(_SIMILARITY_THRESHOLD)},
                )
                places = [_place(row) for row in await connection.execute(text(_FUZZY_MATCHES), params)]
        return places

    async def get(self, place_id: int) -> Place | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(text(_BY_ID), {"id": place_id})).first()
        return None if row is None else _place(row)

    async def nearest(self, latitude: float, longitude: float) -> Place | None:
        """Grows a box around the point until it holds a place; the box's nearest place by haversine wins once
        the box is wider than the distance found (a nearer place outside the box is then impossible)."""
        async with self._engine.connect() as connection:
            for radius in _SEARCH_RADII_DEGREES:
                widest = math.cos(math.radians(min(abs(latitude) + radius, 89.9)))
                lon_radius = min(180.0, radius / widest)
                params = {
                    "lat": latitude,
                    "lon": longitude,
                    "south": latitude - radius,
                    "north": latitude + radius,
                    "west": longitude - lon_radius if longitude - lon_radius >= -180 else -180.0,
                    "east": longitude + lon_radius if longitude + lon_radius <= 180 else 180.0,
                }
                wraps = longitude - lon_radius < -180 or longitude + lon_radius > 180
                if wraps or radius == _SEARCH_RADII_DEGREES[-1]:
                    params.update(south=-90.0, north=90.0, west=-180.0, east=180.0)
                row = (await connection.execute(text(_NEAREST), params)).first()
                if row is None:
                    continue
                found = _place(row)
                distance = haversine_km(latitude, longitude, found.latitude, found.longitude)
                whole_globe = params["west"] == -180.0 and params["east"] == 180.0
                if distance <= radius * _KM_PER_DEGREE or whole_globe:
                    return found
        return None
