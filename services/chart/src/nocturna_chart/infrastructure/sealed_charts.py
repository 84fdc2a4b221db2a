"""Chart ↔ row: the private part of a chart (name, notes, birth data, options) as one sealed JSON document."""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

from nocturna_platform.sealing import AesGcmSealer

from nocturna_chart.domain.aspects import AspectType
from nocturna_chart.domain.birth import BirthData
from nocturna_chart.domain.charts import Chart, ChartOptions
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.infrastructure.tables import ChartRow


def to_row(chart: Chart, sealer: AesGcmSealer) -> ChartRow:
    return ChartRow(**to_values(chart, sealer))


def to_values(chart: Chart, sealer: AesGcmSealer) -> dict[str, Any]:
    """The row's columns as a plain dict, for a Core insert (no model instance on the create path)."""
    birth = chart.birth
    private = {
        "name": chart.name,
        "notes": chart.notes,
        "birth": {
            "date": birth.date.isoformat(),
            "time": birth.time.isoformat() if birth.time is not None else None,
            "latitude": birth.latitude,
            "longitude": birth.longitude,
            "timezone": birth.timezone,
            "fold": birth.fold,
            "place_id": birth.place_id,
            "place_name": birth.place_name,
        },
        "options": {
            "orbs": {kind.value: orb for kind, orb in chart.options.orbs.items()},
            "minor_aspects": chart.options.minor_aspects,
            "exact_orb": chart.options.exact_orb,
        },
    }
    key_id, sealed = sealer.seal(json.dumps(private).encode(), chart.id.bytes)
    values: dict[str, Any] = {
        "id": chart.id,
        "owner_id": chart.owner_id,
        "house_system": chart.house_system.value,
        "key_id": key_id,
        "sealed": sealed,
        "idempotency_key": chart.idempotency_key,
        "created_at": chart.created_at,
        "updated_at": chart.updated_at,
    }
    return values


def from_row(row: ChartRow, sealer: AesGcmSealer) -> Chart:
    private: dict[str, Any] = json.loads(sealer.open(row.key_id, row.sealed, row.id.bytes))
    birth, options = private["birth"], private["options"]
    return Chart(
        id=row.id,
        owner_id=row.owner_id,
        name=private["name"],
        notes=private["notes"],
        birth=BirthData(
            date=date.fromisoformat(birth["date"]),
            time=time.fromisoformat(birth["time"]) if birth["time"] is not None else None,
            latitude=birth["latitude"],
            longitude=birth["longitude"],
            timezone=birth["timezone"],
            fold=birth["fold"],
            place_id=birth.get("place_id"),
            place_name=birth.get("place_name"),
        ),
        house_system=HouseSystem(row.house_system),
        options=ChartOptions(
            orbs={AspectType(kind): orb for kind, orb in options["orbs"].items()},
            minor_aspects=options["minor_aspects"],
            exact_orb=options["exact_orb"],
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        idempotency_key=row.idempotency_key,
    )
