"""Pytest plugin of the Nocturna workspace: real infrastructure, isolated per test run (see `isolated_run`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nocturna_platform.testing.infrastructure import Infrastructure, InfrastructureUnavailable
from nocturna_platform.testing.isolated_run import TestRun, isolated_run

__all__ = ["TestRun", "infrastructure", "isolated_run", "monkeypatch_session", "test_env", "test_run"]


@pytest.fixture(scope="session")
def infrastructure() -> Iterator[Infrastructure]:
    try:
        with Infrastructure.acquire() as infra:
            yield infra
    except InfrastructureUnavailable as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def test_run(infrastructure: Infrastructure) -> Iterator[TestRun]:
    with isolated_run(infrastructure) as run:
        yield run


@pytest.fixture(scope="session")
def test_env(test_run: TestRun, monkeypatch_session: pytest.MonkeyPatch) -> dict[str, str]:
    """The run's variables, also set in this process so in-process settings objects pick them up."""
    env = test_run.env()
    for key, value in env.items():
        monkeypatch_session.setenv(key, value)
    return env


@pytest.fixture(scope="session")
def monkeypatch_session() -> Iterator[pytest.MonkeyPatch]:
    patch = pytest.MonkeyPatch()
    try:
        yield patch
    finally:
        patch.undo()
