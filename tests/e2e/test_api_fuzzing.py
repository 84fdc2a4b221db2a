"""Schemathesis over the gateway's merged OpenAPI, through the gateway, signed in (see `fuzzing.py`).

Every operation is fuzzed with valid and invalid input (explicit examples, boundary values, random data);
every answer must be no 5xx, a documented status with the documented content type and body schema, and
problem+json when it is an error. `make test` runs `FUZZ_EXAMPLES` (default 10) examples per operation,
derandomized, so a CI failure reproduces; `make fuzz` runs many more from a random seed (`FUZZ_SEED=random`),
printed in the report: `FUZZ_SEED=<seed>` reruns it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.fleet import Fleet
from tests.e2e.fuzzing import FuzzRun, fuzz

pytestmark = pytest.mark.e2e


def _run() -> FuzzRun:
    seed = os.environ.get("FUZZ_SEED")
    return FuzzRun(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "10")),
        deterministic=seed is None,
        seed=int(seed) if seed not in (None, "random") else None,
        workers=int(os.environ.get("FUZZ_WORKERS", "1")),
    )


async def test_every_answer_is_documented_and_errors_are_problems(fleet: Fleet, tmp_path: Path) -> None:
    finished = await fuzz(fleet, _run(), tmp_path)
    assert finished.returncode == 0, f"Schemathesis found failures:\n{finished.stdout}\n{finished.stderr}"
