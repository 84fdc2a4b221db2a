"""A lost or refused database connection is an outage (503); anything else is a bug."""

from __future__ import annotations

import asyncpg
import pytest
from nocturna_platform.db.engine import create_engine, driver_connection
from nocturna_platform.db.outages import is_database_outage, is_unstorable_text
from nocturna_platform.http.problems import problem_from_exception
from nocturna_platform.settings import DatabasePoolSettings, ServiceSettings
from nocturna_platform.testing.infrastructure import with_database
from nocturna_platform.testing.isolated_run import TestRun
from sqlalchemy import exc as sa_exc
from sqlalchemy import text


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


def _refused_at_connect(orig: BaseException, statement: str | None) -> sa_exc.DBAPIError:
    wrapped = sa_exc.DBAPIError(statement, None, RuntimeError("adapter error"))  # type: ignore[arg-type]
    wrapped.orig.__cause__ = orig  # type: ignore[union-attr]  # how the asyncpg adapter chains the driver's error
    return wrapped


def test_a_connection_refused_by_the_server_is_an_outage_but_the_same_error_from_a_statement_is_not() -> None:
    not_accepting = asyncpg.exceptions.ObjectNotInPrerequisiteStateError()
    assert is_database_outage(_refused_at_connect(not_accepting, None))
    assert is_database_outage(_refused_at_connect(asyncpg.exceptions.TooManyConnectionsError(), None))
    assert not is_database_outage(_refused_at_connect(not_accepting, "SELECT currval('s')"))


@pytest.mark.integration
async def test_a_database_that_refuses_connections_answers_as_an_outage(test_run: TestRun) -> None:
    """`ALTER DATABASE … ALLOW_CONNECTIONS false` (maintenance, a restore) refuses new connections with SQLSTATE
    55000: a 503 to retry, not a 500."""
    name = f"{test_run.database_url.rpartition('/')[2]}_refusing"
    admin = await asyncpg.connect(test_run.database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" ALLOW_CONNECTIONS false')
        settings = ServiceSettings(
            service_name="probe", database_url=with_database(test_run.database_url, name)
        )
        engine = create_engine(settings, "probe")
        try:
            with pytest.raises(sa_exc.DBAPIError) as refused:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.close()
    assert is_database_outage(refused.value)
    problem = problem_from_exception(refused.value)
    assert problem is not None
    assert (problem.status, problem.code) == (503, "database_unavailable")


@pytest.mark.parametrize(
    ("statement", "value"),
    [
        ("SELECT CAST(:value AS text)", "Par\x00is"),  # a NUL in a JSON string or a query parameter
        ("SELECT CAST(:value AS jsonb)", '{"name": "\\u0000"}'),  # JSON escaping one, stored as jsonb
    ],
)
async def test_text_the_database_cannot_store_is_the_clients_422_not_a_500(
    test_run: TestRun, statement: str, value: str
) -> None:
    engine = create_engine(ServiceSettings(service_name="probe", database_url=test_run.database_url), "probe")
    try:
        with pytest.raises(sa_exc.DBAPIError) as refused:
            async with engine.connect() as connection:
                await connection.execute(text(statement), {"value": value})
    finally:
        await engine.dispose()
    assert is_unstorable_text(refused.value)
    assert not is_database_outage(refused.value)
    problem = problem_from_exception(refused.value)
    assert problem is not None
    assert (problem.status, problem.code) == (422, "invalid_text")
    assert problem_from_exception(_wrapped(asyncpg.exceptions.UniqueViolationError())) is None


async def test_text_the_database_cannot_store_through_the_driver_connection_is_a_422_too(
    test_run: TestRun,
) -> None:
    engine = create_engine(ServiceSettings(service_name="probe", database_url=test_run.database_url), "probe")
    try:
        with pytest.raises(asyncpg.exceptions.CharacterNotInRepertoireError) as refused:
            async with driver_connection(engine) as connection:
                await connection.fetchval("SELECT CAST($1 AS text)", "Par\x00is")
    finally:
        await engine.dispose()
    problem = problem_from_exception(refused.value)
    assert problem is not None
    assert (problem.status, problem.code) == (422, "invalid_text")


async def test_a_driver_connection_lost_under_a_statement_is_an_outage_and_the_pool_is_replaced(
    test_run: TestRun,
) -> None:
    """The server ended the connection (a restart, an idle timeout): a 503, and no pooled connection of that
    time is handed out again. Its settings (`server_settings`) are on every connection."""
    settings = ServiceSettings(
        service_name="probe-lost",
        database_url=test_run.database_url,
        database_pool=DatabasePoolSettings(pre_ping=False),  # as the services with a hot read path run
    )
    engine = create_engine(settings, "probe", {"plan_cache_mode": "force_generic_plan"})
    try:
        async with driver_connection(engine) as first, driver_connection(engine) as second:
            assert await first.fetchval("SHOW plan_cache_mode") == "force_generic_plan"
            pids = {first.get_server_pid(), second.get_server_pid()}
        admin = await asyncpg.connect(test_run.database_url)
        try:
            await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", list(pids))
        finally:
            await admin.close()
        with pytest.raises(sa_exc.DBAPIError) as lost:
            async with driver_connection(engine) as connection:
                await connection.fetchval("SELECT 1")
        assert is_database_outage(lost.value)
        async with driver_connection(engine) as connection:  # the other dead one is not handed out
            assert await connection.fetchval("SELECT 1") == 1
            assert connection.get_server_pid() not in pids
    finally:
        await engine.dispose()
