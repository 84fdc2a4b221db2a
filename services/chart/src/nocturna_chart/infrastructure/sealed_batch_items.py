"""Batch record ↔ row: a record's input (name, notes, birth data, options) as one sealed JSON document."""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any
from uuid import UUID

from nocturna_platform.sealing import AesGcmSealer

from nocturna_chart.domain.aspects import AspectType
from nocturna_chart.domain.batch import BatchItem, ItemOutcome, ItemProblem
from nocturna_chart.domain.birth import BirthData, PlacedBirth
from nocturna_chart.domain.charts import ChartOptions
from nocturna_chart.domain.engine import HouseSystem
from nocturna_chart.infrastructure.tables import BatchItemRow


def _associated_data(job_id: UUID, index: int) -> bytes:
    """Binds a sealed record to its job and position: a blob copied elsewhere does not open."""
    return job_id.bytes + index.to_bytes(4, "big")


def to_row(job_id: UUID, item: BatchItem, sealer: AesGcmSealer) -> BatchItemRow:
    birth = item.birth
    document = {
        "name": item.name,
        "notes": item.notes,
        "birth": {
            "date": birth.date.isoformat(),
            "time": birth.time.isoformat() if birth.time is not None else None,
            "fold": birth.fold,
            **(
                {"place_id": birth.place_id}
                if isinstance(birth, PlacedBirth)
                else {"latitude": birth.latitude, "longitude": birth.longitude, "timezone": birth.timezone}
            ),
        },
        "house_system": item.house_system.value,
        "options": {
            "orbs": {kind.value: orb for kind, orb in item.options.orbs.items()},
            "minor_aspects": item.options.minor_aspects,
            "exact_orb": item.options.exact_orb,
        },
    }
    key_id, sealed = sealer.seal(json.dumps(document).encode(), _associated_data(job_id, item.index))
    return BatchItemRow(job_id=job_id, item_index=item.index, key_id=key_id, sealed=sealed)


def reseal_row(row: BatchItemRow, sealer: AesGcmSealer) -> None:
    """Re-encrypt a pending record's input with the current key (bound to the same job and position)."""
    assert row.key_id is not None
    assert row.sealed is not None
    row.key_id, row.sealed = sealer.reseal(
        row.key_id, row.sealed, _associated_data(row.job_id, row.item_index)
    )


def from_row(row: BatchItemRow, sealer: AesGcmSealer) -> BatchItem:
    assert row.key_id is not None
    assert row.sealed is not None
    document: dict[str, Any] = json.loads(
        sealer.open(row.key_id, row.sealed, _associated_data(row.job_id, row.item_index))
    )
    raw, options = document["birth"], document["options"]
    day = date.fromisoformat(raw["date"])
    moment = time.fromisoformat(raw["time"]) if raw["time"] is not None else None
    birth: BirthData | PlacedBirth = (
        PlacedBirth(day, moment, raw["place_id"], raw["fold"])
        if "place_id" in raw
        else BirthData(day, moment, raw["latitude"], raw["longitude"], raw["timezone"], raw["fold"])
    )
    return BatchItem(
        index=row.item_index,
        name=document["name"],
        notes=document["notes"],
        birth=birth,
        house_system=HouseSystem(document["house_system"]),
        options=ChartOptions(
            orbs={AspectType(kind): orb for kind, orb in options["orbs"].items()},
            minor_aspects=options["minor_aspects"],
            exact_orb=options["exact_orb"],
        ),
    )


def problem_document(problem: ItemProblem | None) -> dict[str, Any] | None:
    if problem is None:
        return None
    return {"code": problem.code, "title": problem.title, "detail": problem.detail, "field": problem.field}


def outcome_of(row: BatchItemRow) -> ItemOutcome:
    problem = row.problem
    return ItemOutcome(
        row.item_index,
        chart_id=row.chart_id,
        problem=None
        if problem is None
        else ItemProblem(problem["code"], problem["title"], problem["detail"], problem.get("field")),
    )
