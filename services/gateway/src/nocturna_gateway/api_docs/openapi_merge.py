"""Merging the services' OpenAPI documents into the one the gateway serves.

Paths are kept when the gateway routes them to the service that documents them (others are not reachable
from outside). Components of the same name and content are kept once; when services use one name for
different content, the version most of them share keeps the name and the others become `<service>.<Name>`,
their `$ref`s rewritten. Renaming can make two components
that looked identical differ (they refer to different things now), so the comparison repeats until stable.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

Document = dict[str, Any]
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def merge_openapi(
    documents: Mapping[str, Document], serves: Callable[[str, str], bool], *, title: str, version: str
) -> Document:
    """`documents` by service name; `serves(service, path)` tells whether the gateway routes path there."""
    docs = {
        service: _reachable(copy.deepcopy(doc), service, serves) for service, doc in sorted(documents.items())
    }
    renamed = _disambiguate(docs)
    merged: Document = {
        "openapi": max((doc.get("openapi", "3.1.0") for doc in docs.values()), default="3.1.0"),
        "info": {"title": title, "version": version},
        "paths": {},
        "components": {},
    }
    tags: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for service, doc in docs.items():
        for path, item in doc.get("paths", {}).items():
            for method, operation in item.items():
                if method in HTTP_METHODS and isinstance(operation, dict):
                    _unique_operation_id(operation, service, operation_ids)
            merged["paths"][path] = item
        for section, entries in doc.get("components", {}).items():
            target = merged["components"].setdefault(section, {})
            for name, entry in entries.items():
                target[renamed.get((service, section, name), name)] = entry
        for tag in doc.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    return merged


def _reachable(doc: Document, service: str, serves: Callable[[str, str], bool]) -> Document:
    doc["paths"] = {path: item for path, item in doc.get("paths", {}).items() if serves(service, path)}
    return doc


def _disambiguate(docs: dict[str, Document]) -> dict[tuple[str, str, str], str]:
    """Rename conflicting components in place; returns (service, section, old name) → new name."""
    renamed: dict[tuple[str, str, str], str] = {}
    while True:
        conflicts = _conflicts(docs, renamed)
        if not conflicts:
            return renamed
        for service, section, name in conflicts:
            new_name = f"{service}.{name}"
            renamed[(service, section, name)] = new_name
            _rewrite_refs(
                docs[service], f"#/components/{section}/{name}", f"#/components/{section}/{new_name}"
            )


def _conflicts(
    docs: Mapping[str, Document], renamed: Mapping[tuple[str, str, str], str]
) -> set[tuple[str, str, str]]:
    seen: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for service, doc in docs.items():
        for section, entries in doc.get("components", {}).items():
            for name, entry in entries.items():
                if (service, section, name) not in renamed:
                    seen.setdefault((section, name), []).append((service, entry))
    conflicts: set[tuple[str, str, str]] = set()
    for (section, name), holders in seen.items():
        groups: list[tuple[Any, list[str]]] = []
        for service, entry in holders:
            group = next((g for g in groups if g[0] == entry), None)
            if group is None:
                groups.append((entry, [service]))
            else:
                group[1].append(service)
        # The version most services share keeps the plain name; the others are renamed.
        groups.sort(key=lambda group: (-len(group[1]), group[1][0]))
        conflicts.update((service, section, name) for _, services in groups[1:] for service in services)
    return conflicts


def _rewrite_refs(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and value == old:
                node[key] = new
            else:
                _rewrite_refs(value, old, new)
    elif isinstance(node, list):
        for item in node:
            _rewrite_refs(item, old, new)


def _unique_operation_id(operation: dict[str, Any], service: str, seen: set[str]) -> None:
    operation_id = operation.get("operationId")
    if operation_id is None:
        return
    if operation_id in seen:
        operation_id = f"{service}_{operation_id}"
        operation["operationId"] = operation_id
    seen.add(operation_id)
