"""Random birth data for chart requests: every request another birth, so the result cache misses as new charts
do."""

from __future__ import annotations

import random
from typing import Any

ZONES = ("America/New_York", "Europe/Paris", "Asia/Tokyo", "Australia/Sydney", "UTC")


def random_birth(rng: random.Random) -> dict[str, Any]:
    """The `birth` of a natal chart request: a date in 1900-2019, a minute of the day, a place, a zone."""
    return {
        "date": f"{rng.randrange(1900, 2020)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
        "time": f"{rng.randrange(24):02d}:{rng.randrange(60):02d}",
        "latitude": round(rng.uniform(-60.0, 60.0), 4),
        "longitude": round(rng.uniform(-180.0, 180.0), 4),
        "timezone": rng.choice(ZONES),
    }
