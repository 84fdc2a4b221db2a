"""Batch request bodies → validated records: a JSON list of chart requests, or CSV with documented columns.

Every record is validated before anything is stored; the errors of all bad records are reported together,
each naming its record (`items.<index>` for JSON, `rows.<line>` for CSV, the header being line 1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from nocturna_chart.api.schemas import CreateChartRequest
from nocturna_chart.domain.batch import MAX_ITEMS, BatchItem

CSV_COLUMNS = (
    "name",
    "notes",
    "date",
    "time",
    "latitude",
    "longitude",
    "timezone",
    "place_id",
    "fold",
    "house_system",
)
BIRTH_COLUMNS = frozenset({"date", "time", "latitude", "longitude", "timezone", "place_id"})
REQUIRED_COLUMNS = frozenset({"name", "date"})
MAX_REPORTED_ERRORS = 100
"""Field errors listed in one answer (every bad record is still named): a bad export fails on every row."""


@dataclass(frozen=True)
class RecordError:
    field: str
    message: str
    code: str


class InvalidRecords(Exception):
    """Some records do not validate; `records` names them (JSON index or CSV line)."""

    def __init__(self, errors: list[RecordError], records: list[int]) -> None:
        super().__init__(f"{len(records)} invalid records")
        self.errors, self.records = errors, records


class MalformedBody(Exception):
    """The body is not a list of records at all (bad JSON, bad CSV header)."""


class TooManyRecords(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def _check_count(count: int) -> None:
    if count > MAX_ITEMS:
        raise TooManyRecords(count)


def _item(index: int, request: CreateChartRequest) -> BatchItem:
    return BatchItem(
        index=index,
        name=request.name,
        notes=request.notes,
        birth=request.birth_data(),
        house_system=request.house_system,
        options=request.options.to_domain(),
    )


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(map(str, loc))


def _validated(
    records: list[tuple[int, Any]], prefix: str, field_of: Callable[[tuple[Any, ...]], str] = _dotted
) -> list[BatchItem]:
    """Records labelled by index or line; every error of every bad record, or the records as batch items."""
    items, errors, bad = [], [], []
    for index, (label, record) in enumerate(records):
        try:
            items.append(_item(index, CreateChartRequest.model_validate(record)))
        except ValidationError as error:
            bad.append(label)
            errors += [
                RecordError(f"{prefix}.{label}.{field_of(e['loc'])}".rstrip("."), e["msg"], e["type"])
                for e in error.errors()
            ]
    if errors:
        raise InvalidRecords(errors[:MAX_REPORTED_ERRORS], bad)
    return items


def json_records(body: bytes) -> list[BatchItem]:
    """`[<chart request>, ...]` or `{"items": [<chart request>, ...]}`."""
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MalformedBody("The body is not valid JSON.") from None
    if isinstance(document, dict) and set(document) == {"items"}:
        document = document["items"]
    if not isinstance(document, list):
        raise MalformedBody('Send a list of chart requests, or {"items": [...]}.')
    _check_count(len(document))
    return _validated(list(enumerate(document)), "items")


def _csv_field(loc: tuple[Any, ...]) -> str:
    """A CSV column for a validation error: birth fields are flat columns there."""
    if loc and loc[0] == "birth":
        return _dotted(loc[1:]) or "date"
    return _dotted(loc)


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    values = {column: value.strip() for column, value in row.items() if value is not None and value.strip()}
    record: dict[str, Any] = {key: values[key] for key in ("name", "notes", "house_system") if key in values}
    birth: dict[str, Any] = {key: values[key] for key in BIRTH_COLUMNS if key in values}
    birth.setdefault("time", None)
    record["birth"] = birth
    if "fold" in values:
        record["fold"] = int(values["fold"]) if values["fold"] in ("0", "1") else values["fold"]
    return record


def csv_records(body: bytes) -> list[BatchItem]:
    """UTF-8 CSV with a header row naming columns of `CSV_COLUMNS` (`name` and `date` required)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedBody("The CSV is not UTF-8.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
        columns = {name.strip() for name in header}
        unknown = sorted(columns - set(CSV_COLUMNS))
        if unknown:
            raise MalformedBody(f"Unknown columns {unknown}; the columns are {list(CSV_COLUMNS)}.")
        missing = sorted(REQUIRED_COLUMNS - columns)
        if missing:
            raise MalformedBody(f"Missing columns {missing}.")
        reader.fieldnames = [name.strip() for name in header]
        rows: list[tuple[int, Any]] = []
        for row in reader:
            if None in row:
                raise MalformedBody(f"Row {reader.line_num} has more cells than the header.")
            _check_count(len(rows) + 1)
            rows.append((reader.line_num, _csv_record(row)))
    except csv.Error as error:
        raise MalformedBody(f"Unreadable CSV at line {reader.line_num}: {error}.") from None
    return _validated(rows, "rows", _csv_field)
