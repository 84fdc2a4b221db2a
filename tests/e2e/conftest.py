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


FAULTS = Path(__file__).with_name("test_faults.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault tests run after every other test on the shared fleet: each restores what it broke, but once,
    after them, auth sent no verification mail for about 100 s (see the note on stop 14), and a journey must
    not fail for a fault's aftermath. Their order among themselves, and everything else's, is kept."""
    faults = [index for index, item in enumerate(items) if item.path == FAULTS]
    if not faults:
        return
    shared = [index for index, item in enumerate(items) if item.path.parent == FAULTS.parent]
    ordered = [items[i] for i in shared if i not in faults] + [items[i] for i in faults]
    for index, item in zip(shared, ordered, strict=True):
        items[index] = item
