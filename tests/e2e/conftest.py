from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nocturna_platform.testing.plugin import TestRun

from tests.e2e.fleet import Fleet, running_fleet


@pytest.fixture(scope="session")
def fleet(test_run: TestRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    logs: Path = tmp_path_factory.mktemp("fleet-logs")
    with running_fleet(test_run, logs) as fleet:
        yield fleet
