from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import pytest
from nocturna_contracts import ContractModel, Event
from nocturna_contracts.compatibility import Change, ChangeKind, breaking, diff_catalogs, diff_schemas
from nocturna_contracts.schemas import model_schema

Edit = Callable[[dict[str, Any]], None]

BASE: dict[str, Any] = {
    "$defs": {
        "Limits": {
            "type": "object",
            "properties": {
                "charts": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]},
                "batch": {"type": "boolean"},
            },
            "required": ["charts", "batch"],
        }
    },
    "type": "object",
    "properties": {
        "user_id": {"type": "string", "format": "uuid"},
        "status": {"type": "string", "enum": ["active", "canceled"]},
        "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "limits": {"$ref": "#/$defs/Limits"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["user_id", "status", "limits", "tags"],
}


def put(path: str, value: Any) -> Edit:
    *parents, last = path.split("/")

    def edit(schema: dict[str, Any]) -> None:
        target = schema
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value

    return edit


def drop(path: str) -> Edit:
    *parents, last = path.split("/")

    def edit(schema: dict[str, Any]) -> None:
        target = schema
        for key in parents:
            target = target[key]
        del target[last]

    return edit


def edits(*steps: Edit) -> Edit:
    def edit(schema: dict[str, Any]) -> None:
        for step in steps:
            step(schema)

    return edit


def changed(edit: Edit) -> list[Change]:
    new = copy.deepcopy(BASE)
    edit(new)
    return diff_schemas(BASE, new, schema="example.thing.happened.v1")


BREAKING = [
    pytest.param(drop("properties/nickname"), {("$.nickname", ChangeKind.PROPERTY_REMOVED)}, id="removed"),
    pytest.param(
        drop("$defs/Limits/properties/batch"),
        {("$.limits.batch", ChangeKind.PROPERTY_REMOVED)},
        id="removed-behind-ref",
    ),
    pytest.param(
        put("properties/user_id", {"type": "integer"}), {("$.user_id", ChangeKind.TYPE_CHANGED)}, id="type"
    ),
    pytest.param(
        put("$defs/Limits/properties/charts/anyOf/0/type", "number"),
        {("$.limits.charts", ChangeKind.TYPE_CHANGED)},
        id="type-widened-in-nullable",
    ),
    pytest.param(
        put("properties/nickname", {"type": "string", "default": None}),
        {("$.nickname", ChangeKind.TYPE_CHANGED)},
        id="null-refused",
    ),
    pytest.param(
        put("properties/user_id", {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]}),
        {("$.user_id", ChangeKind.TYPE_CHANGED)},
        id="null-accepted",
    ),
    pytest.param(
        put("properties/user_id", {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "integer"}]}),
        {("$.user_id", ChangeKind.TYPE_CHANGED)},
        id="union-member-added",
    ),
    pytest.param(
        put("properties/tags/items", {"type": "integer"}), {("$.tags[]", ChangeKind.TYPE_CHANGED)}, id="items"
    ),
    pytest.param(
        put("$defs/Limits/properties/charts/anyOf/0/minimum", 1),
        {("$.limits.charts", ChangeKind.CONSTRAINT_CHANGED)},
        id="minimum-raised",
    ),
    pytest.param(
        put("properties/nickname/anyOf/0/maxLength", 40),
        {("$.nickname", ChangeKind.CONSTRAINT_CHANGED)},
        id="max-length-added",
    ),
    pytest.param(
        put("properties/user_id/format", "email"),
        {("$.user_id", ChangeKind.CONSTRAINT_CHANGED)},
        id="format-changed",
    ),
    pytest.param(
        put("required", [*BASE["required"], "nickname"]),
        {("$.nickname", ChangeKind.PROPERTY_REQUIRED)},
        id="became-required",
    ),
    pytest.param(
        edits(put("properties/plan", {"type": "string"}), put("required", [*BASE["required"], "plan"])),
        {("$.plan", ChangeKind.PROPERTY_REQUIRED)},
        id="new-required-property",
    ),
    pytest.param(
        put("required", ["user_id", "status", "limits"]),
        {("$.tags", ChangeKind.PROPERTY_NO_LONGER_REQUIRED)},
        id="no-longer-required",
    ),
    pytest.param(
        put("properties/status/enum", ["active"]),
        {("$.status", ChangeKind.ENUM_VALUE_REMOVED)},
        id="enum-value-removed",
    ),
    pytest.param(
        put("properties/status", {"type": "string", "const": "active"}),
        {("$.status", ChangeKind.ENUM_VALUE_REMOVED)},
        id="enum-narrowed-to-const",
    ),
    pytest.param(
        put("properties/nickname/anyOf/0/enum", ["vega", "altair"]),
        {("$.nickname", ChangeKind.ENUM_INTRODUCED)},
        id="enum-introduced",
    ),
    pytest.param(
        put("additionalProperties", False),
        {("$", ChangeKind.ADDITIONAL_PROPERTIES_TIGHTENED)},
        id="additional-properties-false",
    ),
    pytest.param(
        put("$defs/Limits/additionalProperties", {"type": "boolean"}),
        {("$.limits", ChangeKind.ADDITIONAL_PROPERTIES_TIGHTENED)},
        id="additional-properties-restricted-behind-ref",
    ),
    pytest.param(
        put("patternProperties", {"^x_": {"type": "string"}}),
        {("$", ChangeKind.KEYWORD_CHANGED)},
        id="unmodelled-keyword",
    ),
    pytest.param(
        put("properties/user_id/allOf", [{"minLength": 1}, {"maxLength": 36}]),
        {("$.user_id", ChangeKind.KEYWORD_CHANGED)},
        id="all-of-with-two-members",
    ),
]

ALLOWED = [
    pytest.param(lambda schema: None, set(), id="identical"),
    pytest.param(
        put("properties/locale", {"type": "string"}), {("$.locale", ChangeKind.PROPERTY_ADDED)}, id="optional"
    ),
    pytest.param(
        put("$defs/Limits/properties/transits", {"type": "boolean", "default": False}),
        {("$.limits.transits", ChangeKind.PROPERTY_ADDED)},
        id="optional-behind-ref",
    ),
    pytest.param(
        put("properties/status/enum", ["active", "canceled", "paused"]),
        {("$.status", ChangeKind.ENUM_VALUE_ADDED)},
        id="enum-value-added",
    ),
    pytest.param(
        put("properties/status", {"type": "string"}), {("$.status", ChangeKind.ENUM_LIFTED)}, id="enum-lifted"
    ),
    pytest.param(
        put("properties/nickname/default", "anonymous"),
        {("$.nickname", ChangeKind.DEFAULT_CHANGED)},
        id="default-changed",
    ),
    pytest.param(
        edits(put("title", "Renamed"), put("properties/user_id/description", "Whose it is")),
        set(),
        id="annotations",
    ),
    pytest.param(
        edits(
            put("$defs", {"Quota": BASE["$defs"]["Limits"]}),
            put("properties/limits", {"$ref": "#/$defs/Quota", "description": "Renamed definition"}),
        ),
        set(),
        id="definition-renamed",
    ),
    pytest.param(put("properties/limits", BASE["$defs"]["Limits"]), set(), id="reference-inlined"),
    pytest.param(
        put("properties/nickname", {"type": ["string", "null"], "default": None}),
        set(),
        id="nullable-as-type-list",
    ),
    pytest.param(
        put("properties/nickname", {"oneOf": [{"type": "string"}, {"type": "null"}], "default": None}),
        set(),
        id="nullable-as-one-of",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), BREAKING)
def test_a_breaking_change_is_found(edit: Edit, expected: set[tuple[str, ChangeKind]]) -> None:
    assert {(change.path, change.kind) for change in breaking(changed(edit))} == expected


@pytest.mark.parametrize(("edit", "expected"), ALLOWED)
def test_an_additive_change_passes(edit: Edit, expected: set[tuple[str, ChangeKind]]) -> None:
    changes = changed(edit)

    assert breaking(changes) == []
    assert {(change.path, change.kind) for change in changes} == expected


def test_loosening_additional_properties_passes() -> None:
    strict = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
    loose = {"type": "object", "properties": {"a": {"type": "string"}}}

    changes = diff_schemas(strict, loose)

    assert [(change.kind, change.breaking) for change in changes] == [
        (ChangeKind.ADDITIONAL_PROPERTIES_LOOSENED, False)
    ]


def test_a_removed_event_type_breaks_and_a_new_one_does_not() -> None:
    changes = diff_catalogs({"a.b.c.v1": BASE, "a.b.d.v1": BASE}, {"a.b.c.v1": BASE, "a.b.c.v2": BASE})

    assert [(change.schema, change.kind, change.breaking) for change in changes] == [
        ("a.b.c.v2", ChangeKind.EVENT_TYPE_ADDED, False),
        ("a.b.d.v1", ChangeKind.EVENT_TYPE_REMOVED, True),
    ]


def test_a_change_reads_as_one_line() -> None:
    (change,) = changed(drop("properties/nickname"))

    assert str(change) == "BREAKING: example.thing.happened.v1 $.nickname: property removed"


def test_a_recursive_schema_is_compared_without_looping() -> None:
    tree: dict[str, Any] = {
        "$defs": {
            "Node": {"type": "object", "properties": {"children": {"items": {"$ref": "#/$defs/Node"}}}}
        },
        "$ref": "#/$defs/Node",
    }
    grown = copy.deepcopy(tree)
    grown["$defs"]["Node"]["properties"]["label"] = {"type": "string"}

    assert [(change.path, change.kind) for change in diff_schemas(tree, grown)] == [
        ("$.label", ChangeKind.PROPERTY_ADDED)
    ]


def test_a_reference_outside_the_schema_is_refused() -> None:
    remote = {"type": "object", "properties": {"a": {"$ref": "https://example.org/a.json"}}}

    with pytest.raises(ValueError, match="only references inside the schema"):
        diff_schemas(remote, remote)


class Quota(ContractModel):
    charts: int | None
    batch: bool


class ThingHappened(Event):
    event_type = "example.thing.happened.v1"
    producer = "example"

    status: Literal["active", "canceled"]
    quota: Quota
    at: datetime


class Quota2(ContractModel):
    charts: int | None
    batch: bool
    transits: bool = False


class ThingHappenedAdditively(Event):
    event_type = "example.thing.happened.v1"
    producer = "example"

    status: Literal["active", "canceled", "paused"]
    quota: Quota2
    at: datetime
    note: str | None = None


class QuotaNarrowed(ContractModel):
    charts: int
    batch: bool


class ThingHappenedNarrowly(Event):
    event_type = "example.thing.happened.v1"
    producer = "example"

    status: Literal["active", "canceled"]
    quota: QuotaNarrowed
    at: datetime


def test_pydantic_models_changed_additively_pass() -> None:
    changes = diff_schemas(model_schema(ThingHappened), model_schema(ThingHappenedAdditively))

    assert breaking(changes) == []
    assert {(change.path, change.kind) for change in changes} == {
        ("$.status", ChangeKind.ENUM_VALUE_ADDED),
        ("$.quota.transits", ChangeKind.PROPERTY_ADDED),
        ("$.note", ChangeKind.PROPERTY_ADDED),
    }


def test_a_pydantic_field_no_longer_nullable_breaks() -> None:
    changes = diff_schemas(model_schema(ThingHappened), model_schema(ThingHappenedNarrowly))

    assert [(change.path, change.kind) for change in breaking(changes)] == [
        ("$.quota.charts", ChangeKind.TYPE_CHANGED)
    ]
