from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from jsonschema import Draft202012Validator
from nocturna_contracts import EVENT_TYPES, Envelope, Event
from nocturna_contracts.compatibility import ChangeKind, breaking, diff_catalogs
from nocturna_contracts.schemas import (
    SCHEMA_DIR,
    BreakingChangeError,
    check_schemas,
    generate_schemas,
    main,
    read_schemas,
    render,
    write_schemas,
)

COMMITTED = Path(__file__).resolve().parents[1] / "schemas"
SUBSCRIPTION_CHANGED = "subscription.subscription.changed.v1"


def test_the_cli_defaults_to_the_committed_directory() -> None:
    assert SCHEMA_DIR == COMMITTED


def test_every_committed_schema_equals_the_one_generated_from_its_model() -> None:
    result = check_schemas(COMMITTED)

    assert result.files == [], "run `python -m nocturna_contracts.schemas write` and commit contracts/schemas"


def test_the_current_models_change_the_committed_schemas_only_additively() -> None:
    changes = diff_catalogs(read_schemas(COMMITTED), generate_schemas())

    assert [str(change) for change in breaking(changes)] == []


def test_every_event_type_and_the_envelope_have_a_committed_schema() -> None:
    assert set(read_schemas(COMMITTED)) == {*EVENT_TYPES, "envelope"}


def test_schemas_are_rendered_with_sorted_keys_two_spaces_and_a_final_newline() -> None:
    assert render({"b": [1], "a": {"d": None, "c": "é"}}) == (
        '{\n  "a": {\n    "c": "é",\n    "d": null\n  },\n  "b": [\n    1\n  ]\n}\n'
    )


@pytest.mark.parametrize("event_fixture", ["user_registered", "subscription_changed"])
def test_the_committed_schemas_accept_what_the_models_send(
    event_fixture: str, request: pytest.FixtureRequest
) -> None:
    event: Event = request.getfixturevalue(event_fixture)
    envelope = Envelope.wrap(
        event, event_id=UUID("01936f5e-8c3a-7b2e-9d4f-1a2b3c4d5e6f"), occurred_at=datetime.now(UTC)
    )
    message = json.loads(envelope.model_dump_json())
    committed = read_schemas(COMMITTED)

    Draft202012Validator(committed["envelope"]).validate(message)
    Draft202012Validator(committed[event.event_type]).validate(message["payload"])


def test_check_names_each_missing_stale_and_edited_file(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    (tmp_path / "auth.user.registered.v1.json").unlink()
    (tmp_path / "chart.chart.retired.v1.json").write_text(render({"type": "object"}))
    edit_schema(tmp_path, "envelope", lambda schema: schema | {"description": "edited by hand"})

    result = check_schemas(tmp_path)

    assert result.files == [
        "auth.user.registered.v1.json is missing",
        "chart.chart.retired.v1.json has no model: EVENT_TYPES does not list 'chart.chart.retired.v1'",
        "envelope.json differs from its model",
    ]
    assert [(change.schema, change.kind) for change in breaking(result.changes)] == [
        ("chart.chart.retired.v1", ChangeKind.EVENT_TYPE_REMOVED)
    ]


def test_check_refuses_a_file_with_the_same_content_but_another_layout(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    path = tmp_path / "envelope.json"
    path.write_text(json.dumps(json.loads(path.read_text())))

    assert check_schemas(tmp_path).files == ["envelope.json differs from its model"]


def test_write_refuses_a_breaking_change_and_leaves_the_files_alone(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    edit_schema(tmp_path, SUBSCRIPTION_CHANGED, with_legacy_required_property)
    before = (tmp_path / f"{SUBSCRIPTION_CHANGED}.json").read_text()

    with pytest.raises(BreakingChangeError) as error:
        write_schemas(tmp_path)

    assert [(change.path, change.kind) for change in error.value.changes] == [
        ("$.legacy_plan", ChangeKind.PROPERTY_REMOVED)
    ]
    assert (tmp_path / f"{SUBSCRIPTION_CHANGED}.json").read_text() == before


def test_write_may_retire_an_event_type_when_told_to(tmp_path: Path) -> None:
    write_schemas(tmp_path)
    (tmp_path / "chart.chart.retired.v1.json").write_text(render({"type": "object"}))

    write_schemas(tmp_path, allow_breaking=True)

    assert check_schemas(tmp_path).ok
    assert not (tmp_path / "chart.chart.retired.v1.json").exists()


def test_the_cli_writes_then_checks_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["write", "--dir", str(tmp_path)]) == 0
    assert main(["check", "--dir", str(tmp_path)]) == 0
    assert "every schema matches its model" in capsys.readouterr().out


def test_the_cli_check_explains_an_additive_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_schemas(tmp_path)
    edit_schema(tmp_path, "auth.user.registered.v1", without_property("display_name"))

    assert main(["check", "--dir", str(tmp_path)]) == 1

    err = capsys.readouterr().err
    assert "auth.user.registered.v1.json differs from its model" in err
    assert "allowed: auth.user.registered.v1 $.display_name: optional property added" in err
    assert "BREAKING" not in err
    assert "Run `python -m nocturna_contracts.schemas write` and commit contracts/schemas." in err


def test_the_cli_check_explains_a_breaking_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_schemas(tmp_path)
    edit_schema(tmp_path, SUBSCRIPTION_CHANGED, with_legacy_required_property)

    assert main(["check", "--dir", str(tmp_path)]) == 1

    err = capsys.readouterr().err
    assert f"BREAKING: {SUBSCRIPTION_CHANGED} $.legacy_plan: property removed" in err
    assert "new event type (.vN)" in err


def test_the_cli_write_refuses_a_breaking_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_schemas(tmp_path)
    edit_schema(tmp_path, SUBSCRIPTION_CHANGED, with_legacy_required_property)

    assert main(["write", "--dir", str(tmp_path)]) == 1
    assert "Refused" in capsys.readouterr().err
    assert not check_schemas(tmp_path).ok


def test_the_cli_check_judges_compatibility_against_another_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_schemas(tmp_path)
    edit_schema(tmp_path, SUBSCRIPTION_CHANGED, with_legacy_required_property)

    assert main(["check", "--against", str(tmp_path)]) == 1

    err = capsys.readouterr().err
    assert f"Changes from {tmp_path}:" in err
    assert f"BREAKING: {SUBSCRIPTION_CHANGED} $.legacy_plan: property removed" in err


def test_the_cli_check_refuses_a_missing_baseline(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["check", "--against", str(tmp_path / "absent")])

    assert exit_.value.code == 2


def test_the_module_runs_as_a_command() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "nocturna_contracts.schemas", "check"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert "every schema matches its model" in completed.stdout


def edit_schema(directory: Path, name: str, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    path = directory / f"{name}.json"
    path.write_text(render(edit(json.loads(path.read_text()))))


def with_legacy_required_property(schema: dict[str, Any]) -> dict[str, Any]:
    properties = schema["properties"] | {"legacy_plan": {"type": "string"}}
    return schema | {"properties": properties, "required": [*schema["required"], "legacy_plan"]}


def without_property(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def edit(schema: dict[str, Any]) -> dict[str, Any]:
        properties = {key: value for key, value in schema["properties"].items() if key != name}
        return schema | {"properties": properties, "required": [r for r in schema["required"] if r != name]}

    return edit
