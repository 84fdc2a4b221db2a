from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
from nocturna_contracts import EVENT_TYPES, Event
from nocturna_contracts.envelope import EVENT_TYPE_PATTERN

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "nocturna_contracts"


@pytest.mark.parametrize(("event_type", "event_class"), EVENT_TYPES.items())
def test_each_event_type_is_a_versioned_routing_key_of_its_producer(
    event_type: str, event_class: type[Event]
) -> None:
    assert event_class.event_type == event_type
    assert re.fullmatch(EVENT_TYPE_PATTERN, event_type)
    assert event_type.split(".", maxsplit=1)[0] == event_class.producer


@pytest.mark.parametrize(("event_type", "event_class"), EVENT_TYPES.items())
def test_each_event_lives_in_the_module_of_its_producer_and_version(
    event_type: str, event_class: type[Event]
) -> None:
    version = event_type.rsplit(".", 1)[1]

    assert event_class.__module__ == f"nocturna_contracts.{event_class.producer}.{version}"


def test_every_event_class_of_the_package_is_registered() -> None:
    declared = {
        node.name
        for path in PACKAGE.glob("*/v*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and any(getattr(base, "id", None) == "Event" for base in node.bases)
    }

    assert declared == {event_class.__name__ for event_class in EVENT_TYPES.values()}


def test_the_package_imports_nothing_of_ours_but_itself() -> None:
    imported = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])

    assert {name for name in imported if name.startswith("nocturna")} == {"nocturna_contracts"}
    assert imported - {"nocturna_contracts", "pydantic", "__future__"} <= sys.stdlib_module_names
