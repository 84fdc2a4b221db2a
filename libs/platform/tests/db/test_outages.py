"""A lost or refused database connection is an outage (503); anything else is a bug."""

from __future__ import annotations

import asyncpg
import pytest
from nocturna_platform.db.engine import create_engine
from nocturna_platform.db.outages import is_database_outage
from nocturna_platform.http.problems import problem_from_exception
from nocturna_platform.settings import ServiceSettings
from sqlalchemy import exc as sa_exc


def _wrapped(orig: BaseException, *, invalidated: bool = False) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError("SELECT 1", None, orig, connection_invalidated=invalidated)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(RuntimeError("whatever"), invalidated=True),
        _wrapped(ConnectionRefusedError()),
        _wrapped(asyncpg.exceptions.ConnectionDoesNotExistError()),
        _wrapped(asyncpg.exceptions.AdminShutdownError()),
        asyncpg.exceptions.CannotConnectNowError(),
    ],
)
def test_connection_failures_are_outages(error: BaseException) -> None:
    assert is_database_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(asyncpg.exceptions.UniqueViolationError()),
        _wrapped(asyncpg.exceptions.UndefinedTableError()),
        sa_exc.IntegrityError("INSERT", None, ValueError("duplicate")),  # type: ignore[arg-type]
        KeyError("bug"),
    ],
)
def test_other_errors_are_not(error: BaseException) -> None:
    assert not is_database_outage(error)


def test_an_outage_is_a_503_problem_asking_to_retry() -> None:
    problem = problem_from_exception(_wrapped(ConnectionRefusedError()))
    assert problem is not None
    assert (problem.status, problem.code, problem.headers["Retry-After"]) == (
        503,
        "database_unavailable",
        "1",
    )
    assert problem_from_exception(KeyError("bug")) is None


def test_database_errors_never_carry_bound_values() -> None:
    engine = create_engine(ServiceSettings(service_name="probe"), "probe")
    try:
        assert engine.sync_engine.hide_parameters
    finally:
        engine.sync_engine.dispose()
