from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nocturna_platform.testing.infrastructure import Infrastructure
from nocturna_platform.testing.plugin import TestRun, isolated_run

from tests.e2e.fleet import Fleet, running_fleet


@pytest.fixture(scope="session")
def fleet_run(infrastructure: Infrastructure) -> Iterator[TestRun]:
    """The fleet's own database, exchanges, queues and Redis prefix. Not the session's `test_run`: the services
    other suites keep in process for the whole session live there, and their workers compete for the fleet's
    work. Auth's integration suite keeps one with its mail dispatcher, which sent some of the fleet's
    verification mails to its own mailbox: the "missing mail" failures of stops 13 and 14 (the row showed
    the mail sent 14 ms after it was queued, and the fleet's mailbox never got it)."""
    with isolated_run(infrastructure, label="e2e") as run:
        yield run


@pytest.fixture(scope="session")
def fleet(fleet_run: TestRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    logs: Path = tmp_path_factory.mktemp("fleet-logs")
    with running_fleet(fleet_run, logs) as fleet:
        yield fleet


FAULTS = Path(__file__).with_name("test_faults.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fault tests run after every other test on the shared fleet: each restores what it broke, and a
    journey must not fail for a fault's aftermath. Their order among themselves, and everything else's, is
    kept."""
    faults = [index for index, item in enumerate(items) if item.path == FAULTS]
    if not faults:
        return
    shared = [index for index, item in enumerate(items) if item.path.parent == FAULTS.parent]
    ordered = [items[i] for i in shared if i not in faults] + [items[i] for i in faults]
    for index, item in zip(shared, ordered, strict=True):
        items[index] = item
