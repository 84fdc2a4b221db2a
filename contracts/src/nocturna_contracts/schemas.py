"""The committed JSON Schemas (`contracts/schemas/<event_type>.json`, `envelope.json`) made from the models.

python -m nocturna_contracts.schemas check    # exit 1 when a committed file differs from its model
python -m nocturna_contracts.schemas write    # rewrite the files; refuses a breaking change
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel

from nocturna_contracts.compatibility import Change, breaking, diff_catalogs
from nocturna_contracts.envelope import Envelope
from nocturna_contracts.registry import EVENT_TYPES

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_SCHEMA = "envelope"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"


class SchemaCheck(NamedTuple):
    files: list[str]
    changes: list[Change]

    @property
    def ok(self) -> bool:
        return not self.files and not breaking(self.changes)


class BreakingChangeError(Exception):
    def __init__(self, changes: Sequence[Change]) -> None:
        super().__init__("\n".join(str(change) for change in changes))
        self.changes = list(changes)


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The schema of what a consumer accepts (validation mode): fields with a default are optional."""
    return {"$schema": SCHEMA_DIALECT, **model.model_json_schema(mode="validation")}


def generate_schemas() -> dict[str, dict[str, Any]]:
    schemas = {event_type: model_schema(event) for event_type, event in EVENT_TYPES.items()}
    schemas[ENVELOPE_SCHEMA] = model_schema(Envelope)
    return schemas


def render(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_schemas(directory: Path) -> dict[str, dict[str, Any]]:
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.json"))
    }


def check_schemas(directory: Path, *, against: Path | None = None) -> SchemaCheck:
    """Files of `directory` that differ from the models, and the changes from `against` (default: itself)."""
    generated = generate_schemas()
    committed_names = {path.name.removesuffix(".json") for path in directory.glob("*.json")}
    files = []
    for name in sorted(generated.keys() | committed_names):
        path = directory / f"{name}.json"
        if name not in committed_names:
            files.append(f"{path.name} is missing")
        elif name not in generated:
            files.append(f"{path.name} has no model: EVENT_TYPES does not list {name!r}")
        elif path.read_text(encoding="utf-8") != render(generated[name]):
            files.append(f"{path.name} differs from its model")
    return SchemaCheck(files, diff_catalogs(read_schemas(against or directory), generated))


def write_schemas(directory: Path, *, allow_breaking: bool = False) -> list[Change]:
    """Rewrites the directory from the models; a breaking change is refused unless explicitly allowed."""
    generated = generate_schemas()
    committed = read_schemas(directory)
    changes = diff_catalogs(committed, generated)
    if breaking(changes) and not allow_breaking:
        raise BreakingChangeError(breaking(changes))
    directory.mkdir(parents=True, exist_ok=True)
    for name, schema in generated.items():
        (directory / f"{name}.json").write_text(render(schema), encoding="utf-8", newline="\n")
    for name in committed.keys() - generated.keys():
        (directory / f"{name}.json").unlink()
    return changes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nocturna_contracts.schemas",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=["check", "write"])
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR, help=f"default: {SCHEMA_DIR}")
    parser.add_argument(
        "--against", type=Path, metavar="DIR", help="check: judge compatibility from these schemas instead"
    )
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="write even a breaking change: only to retire an event type every consumer has left",
    )
    args = parser.parse_args(argv)
    if args.against is not None and not args.against.is_dir():
        parser.error(f"--against {args.against} is not a directory")
    if args.command == "check":
        return _check(args.dir, against=args.against)
    return _write(args.dir, allow_breaking=args.allow_breaking)


def _check(directory: Path, *, against: Path | None) -> int:
    result = check_schemas(directory, against=against)
    if result.ok:
        sys.stdout.write(f"{directory}: every schema matches its model\n")
        return 0
    header = f"{directory} does not match the models:" if result.files else f"Changes from {against}:"
    lines = [header, *result.files, *map(str, result.changes)]
    if breaking(result.changes):
        lines.append(
            "A breaking change needs a new event type (.vN) beside the old one: see contracts/README.md."
        )
    else:
        lines.append("Run `python -m nocturna_contracts.schemas write` and commit contracts/schemas.")
    sys.stderr.write("\n".join(lines) + "\n")
    return 1


def _write(directory: Path, *, allow_breaking: bool) -> int:
    try:
        changes = write_schemas(directory, allow_breaking=allow_breaking)
    except BreakingChangeError as error:
        sys.stderr.write(
            f"Refused to write {directory}: these changes break consumers.\n{error}\n"
            "Publish a new event type (.vN) beside the old one instead: see contracts/README.md.\n"
        )
        return 1
    lines = [f"{directory}: schemas written", *map(str, changes)]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
