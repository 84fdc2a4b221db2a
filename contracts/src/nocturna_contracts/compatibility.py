"""What a schema change does to the consumers of an event.

An existing property must keep accepting exactly the values it accepted, except that an enum may gain values;
a new property must be optional. contracts/README.md explains the rule and its one exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

Schema = Mapping[str, Any]

_ANNOTATIONS = frozenset(
    {"title", "description", "examples", "deprecated", "readOnly", "writeOnly", "$comment", "$schema", "$id"}
)
_CONTAINERS = frozenset({"$defs", "definitions"})
_CONSTRAINTS = (
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)
_MODELLED = frozenset(
    {"type", "enum", "const", "default", "properties", "required", "additionalProperties", "items"}
    | {"anyOf", "oneOf", "$ref"}
    | set(_CONSTRAINTS)
)


class ChangeKind(StrEnum):
    EVENT_TYPE_REMOVED = "event type removed"
    PROPERTY_REMOVED = "property removed"
    PROPERTY_REQUIRED = "property required"
    PROPERTY_NO_LONGER_REQUIRED = "property no longer required"
    TYPE_CHANGED = "type changed"
    ENUM_VALUE_REMOVED = "enum value removed"
    ENUM_INTRODUCED = "values restricted to an enum"
    CONSTRAINT_CHANGED = "constraint changed"
    ADDITIONAL_PROPERTIES_TIGHTENED = "additionalProperties tightened"
    KEYWORD_CHANGED = "keyword changed"
    EVENT_TYPE_ADDED = "event type added"
    PROPERTY_ADDED = "optional property added"
    ENUM_VALUE_ADDED = "enum value added"
    ENUM_LIFTED = "enum lifted"
    DEFAULT_CHANGED = "default changed"
    ADDITIONAL_PROPERTIES_LOOSENED = "additionalProperties loosened"


ALLOWED = frozenset(
    {
        ChangeKind.EVENT_TYPE_ADDED,
        ChangeKind.PROPERTY_ADDED,
        ChangeKind.ENUM_VALUE_ADDED,
        ChangeKind.ENUM_LIFTED,
        ChangeKind.DEFAULT_CHANGED,
        ChangeKind.ADDITIONAL_PROPERTIES_LOOSENED,
    }
)


@dataclass(frozen=True)
class Change:
    schema: str
    path: str
    kind: ChangeKind
    detail: str

    @property
    def breaking(self) -> bool:
        return self.kind not in ALLOWED

    def __str__(self) -> str:
        verdict = "BREAKING" if self.breaking else "allowed"
        detail = f" ({self.detail})" if self.detail else ""
        return f"{verdict}: {self.schema} {self.path}: {self.kind}{detail}"


def diff_catalogs(old: Mapping[str, Schema], new: Mapping[str, Schema]) -> list[Change]:
    """Compares two sets of schemas keyed by event type (or "envelope")."""
    changes: list[Change] = []
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            changes.append(Change(name, "$", ChangeKind.EVENT_TYPE_REMOVED, "no model describes it any more"))
        elif name not in old:
            changes.append(Change(name, "$", ChangeKind.EVENT_TYPE_ADDED, ""))
        else:
            changes.extend(diff_schemas(old[name], new[name], schema=name))
    return changes


def diff_schemas(old: Schema, new: Schema, *, schema: str = "") -> list[Change]:
    diff = _Diff(schema, old, new)
    diff.compare(old, new, "$", frozenset())
    return diff.changes


def breaking(changes: Iterable[Change]) -> list[Change]:
    return [change for change in changes if change.breaking]


class _Resolved(NamedTuple):
    schema: Schema
    ref: str | None


@dataclass
class _Diff:
    name: str
    old_root: Schema
    new_root: Schema
    changes: list[Change] = field(default_factory=list)

    def add(self, kind: ChangeKind, path: str, detail: str) -> None:
        self.changes.append(Change(self.name, path, kind, detail))

    def compare(self, old: Schema, new: Schema, path: str, seen: frozenset[tuple[str, str]]) -> None:
        old_top, new_top = _resolve(old, self.old_root), _resolve(new, self.new_root)
        if old_top.schema.get("default") != new_top.schema.get("default"):
            detail = f"{_show(old_top.schema.get('default'))} → {_show(new_top.schema.get('default'))}"
            self.add(ChangeKind.DEFAULT_CHANGED, path, detail)
        old_null, old_alts = _alternatives(old_top, self.old_root)
        new_null, new_alts = _alternatives(new_top, self.new_root)
        if old_null != new_null:
            self.add(ChangeKind.TYPE_CHANGED, path, "null is now accepted" if new_null else "null is refused")
        if len(old_alts) != len(new_alts):
            detail = f"{_labels(old_alts)} → {_labels(new_alts)}"
            self.add(ChangeKind.TYPE_CHANGED, path, detail)
            return
        for old_alt, new_alt in zip(old_alts, new_alts, strict=True):
            self._compare_alternative(old_alt, new_alt, path, seen)

    def _compare_alternative(
        self, old: _Resolved, new: _Resolved, path: str, seen: frozenset[tuple[str, str]]
    ) -> None:
        if old.ref is not None and new.ref is not None:
            if (old.ref, new.ref) in seen:
                return
            seen |= {(old.ref, new.ref)}
        before, after = old.schema, new.schema
        if before.get("type") != after.get("type"):
            self.add(ChangeKind.TYPE_CHANGED, path, f"{_labels([old])} → {_labels([new])}")
            return
        self._compare_enums(before, after, path)
        for keyword in _CONSTRAINTS:
            if before.get(keyword) != after.get(keyword):
                detail = f"{keyword} {_show(before.get(keyword))} → {_show(after.get(keyword))}"
                self.add(ChangeKind.CONSTRAINT_CHANGED, path, detail)
        if "properties" in before or "properties" in after or before.get("type") == "object":
            self._compare_objects(before, after, path, seen)
        if "items" in before or "items" in after:
            self.compare(before.get("items", {}), after.get("items", {}), f"{path}[]", seen)
        for keyword in sorted((before.keys() | after.keys()) - _MODELLED - _ANNOTATIONS - _CONTAINERS):
            old_value = _canonical(before.get(keyword), self.old_root)
            if old_value != _canonical(after.get(keyword), self.new_root):
                self.add(ChangeKind.KEYWORD_CHANGED, path, f"{keyword} changed")

    def _compare_enums(self, before: Schema, after: Schema, path: str) -> None:
        old_values, new_values = _enum_values(before), _enum_values(after)
        if old_values is None and new_values is None:
            return
        if old_values is None:
            self.add(ChangeKind.ENUM_INTRODUCED, path, f"only {', '.join(sorted(new_values or ()))}")
        elif new_values is None:
            self.add(ChangeKind.ENUM_LIFTED, path, "any value of the type is accepted")
        else:
            if removed := old_values - new_values:
                self.add(ChangeKind.ENUM_VALUE_REMOVED, path, ", ".join(sorted(removed)))
            if added := new_values - old_values:
                self.add(ChangeKind.ENUM_VALUE_ADDED, path, ", ".join(sorted(added)))

    def _compare_objects(
        self, before: Schema, after: Schema, path: str, seen: frozenset[tuple[str, str]]
    ) -> None:
        old_props: Schema = before.get("properties", {})
        new_props: Schema = after.get("properties", {})
        old_required, new_required = set(before.get("required", ())), set(after.get("required", ()))
        for name in sorted(old_props.keys() | new_props.keys()):
            at = f"{path}.{name}"
            if name not in new_props:
                self.add(ChangeKind.PROPERTY_REMOVED, at, "")
                continue
            if name in new_required and name not in old_required:
                new_or_existing = "new" if name not in old_props else "existing"
                self.add(ChangeKind.PROPERTY_REQUIRED, at, f"{new_or_existing} property is required")
            elif name in old_required and name not in new_required:
                self.add(ChangeKind.PROPERTY_NO_LONGER_REQUIRED, at, "old consumers require it")
            if name not in old_props:
                if name not in new_required:
                    self.add(ChangeKind.PROPERTY_ADDED, at, "")
                continue
            self.compare(old_props[name], new_props[name], at, seen)
        self._compare_additional(before, after, path, seen)

    def _compare_additional(
        self, before: Schema, after: Schema, path: str, seen: frozenset[tuple[str, str]]
    ) -> None:
        old, new = _additional(before), _additional(after)
        if old == new:
            return
        if new is False or (old is True and isinstance(new, Mapping)):
            self.add(ChangeKind.ADDITIONAL_PROPERTIES_TIGHTENED, path, f"{_show(old)} → {_show(new)}")
        elif old is False:
            self.add(ChangeKind.ADDITIONAL_PROPERTIES_LOOSENED, path, f"false → {_show(new)}")
        else:
            old_schema = old if isinstance(old, Mapping) else {}
            new_schema = new if isinstance(new, Mapping) else {}
            self.compare(old_schema, new_schema, f"{path}.*", seen)


def _resolve(schema: Schema, root: Schema) -> _Resolved:
    """Follows `$ref` (keeping sibling keywords) and unwraps a one-member `allOf`."""
    ref: str | None = None
    followed: set[str] = set()
    while True:
        if "$ref" in schema:
            ref = schema["$ref"]
            if ref in followed:
                raise ValueError(f"$ref loop at {ref}")
            followed.add(ref)
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            schema = {**_pointer(root, ref), **siblings}
        elif isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
            siblings = {key: value for key, value in schema.items() if key != "allOf"}
            schema = {**schema["allOf"][0], **siblings}
        else:
            return _Resolved(schema, ref)


def _pointer(root: Schema, ref: str) -> Schema:
    if not ref.startswith("#"):
        raise ValueError(f"only references inside the schema are supported, not {ref!r}")
    target: Any = root
    for token in filter(None, ref[1:].split("/")):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    if not isinstance(target, Mapping):
        raise ValueError(f"{ref!r} does not point to a schema")
    return target


def _alternatives(resolved: _Resolved, root: Schema) -> tuple[bool, list[_Resolved]]:
    """Whether a schema accepts null, and its other alternatives (from anyOf, oneOf or a list of types)."""
    schema = resolved.schema
    key = "anyOf" if "anyOf" in schema else "oneOf" if "oneOf" in schema else None
    if key is None:
        types = schema.get("type")
        if isinstance(types, list):
            alternatives = [
                _Resolved({**schema, "type": kind}, resolved.ref) for kind in types if kind != "null"
            ]
            return "null" in types, alternatives
        return (True, []) if types == "null" else (False, [resolved])
    shared = {k: v for k, v in schema.items() if k not in {key, "default"} and k not in _ANNOTATIONS}
    nullable, alternatives = False, []
    for member in schema[key]:
        branch = _resolve(member, root)
        branch_nullable, branch_alternatives = _alternatives(
            _Resolved({**shared, **branch.schema}, branch.ref), root
        )
        nullable = nullable or branch_nullable
        alternatives.extend(branch_alternatives)
    return nullable, alternatives


def _enum_values(schema: Schema) -> set[str] | None:
    values: Sequence[Any] | None = schema.get("enum")
    if values is None and "const" in schema:
        values = [schema["const"]]
    return None if values is None else {json.dumps(value, sort_keys=True) for value in values}


def _additional(schema: Schema) -> bool | Schema:
    value: bool | Schema = schema.get("additionalProperties", True)
    return True if value == {} else value


def _labels(alternatives: Sequence[_Resolved]) -> str:
    labels = [
        str(alt.schema.get("type") or ("enum" if "enum" in alt.schema else "any")) for alt in alternatives
    ]
    return " | ".join(labels) or "null"


def _show(value: Any) -> str:
    return "none" if value is None else json.dumps(value, sort_keys=True)


def _canonical(value: Any, root: Schema) -> str:
    """A keyword's value as sorted JSON with its references inlined, so schemas from two roots compare."""
    return json.dumps(_inline(value, root, frozenset()), sort_keys=True)


def _inline(value: Any, root: Schema, followed: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref not in followed:
            return _inline(_resolve(value, root).schema, root, followed | {ref})
        return {key: _inline(item, root, followed) for key, item in value.items()}
    if isinstance(value, list):
        return [_inline(item, root, followed) for item in value]
    return value
